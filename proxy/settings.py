"""Every setting of the proxy, in one place.

Each field is a command-line option of ``memoaized serve`` (``--field-name``) and an environment
variable (``MEMOAIZED_FIELD_NAME``); the option wins over the variable, the variable over the
default. The README's configuration table lists the same fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Self

__all__ = ["DEFAULT_THRESHOLD", "ENV_PREFIX", "Settings", "default_data_dir"]

ENV_PREFIX = "MEMOAIZED_"

DEFAULT_THRESHOLD = 0.98
"""Measured on ../shared/data with bench/threshold.py; see the README, "Choosing the threshold"."""

DEFAULT_ENERGY_WH_PER_IMAGE = 2.9
"""Luccioni et al. 2023, "Power Hungry Processing" (arXiv 2311.16863): about 2.9 kWh per 1,000
images, averaged over the image-generation models they measured."""


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "memoaized"


def _opt(help: str, **kw: Any) -> Any:  # a dataclasses.field with its help text
    return field(metadata={"help": help}, **kw)


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration of one proxy process."""

    host: str = _opt("Address to listen on.", default="127.0.0.1")
    port: int = _opt("Port to listen on.", default=8080)
    data_dir: Path = _opt(
        "Where the embedded index, the images and the demo models live.",
        default_factory=default_data_dir,
    )
    backend: str = _opt(
        "Backend for misses: `diffusers` (a local Stable Diffusion pipeline) or `openai` (any "
        "OpenAI-compatible images API, such as OpenAI or `memoaized sd-server`). Empty: the tiny "
        "random-weight demo pipeline, whose images are placeholders.",
        default="",
    )
    sd_model: str = _opt(
        "diffusers backend: model id or local folder for `from_pretrained`. Empty with the "
        "diffusers backend: the tiny demo pipeline, written under the data directory.",
        default="",
    )
    sd_model_name: str = _opt(
        "diffusers backend: the model name clients ask for (default: the folder's name).",
        default="",
    )
    sd_device: str = _opt(
        "diffusers backend: cuda, mps or cpu (default: the best present).", default=""
    )
    sd_dtype: str = _opt(
        "diffusers backend: float16, bfloat16 or float32 (default: by device).", default=""
    )
    sd_steps: int = _opt("diffusers backend: denoising steps (0: the model's default).", default=0)
    upstream_url: str = _opt(
        "openai backend: base URL of the images API, as the OpenAI SDK takes it "
        "(https://api.openai.com/v1, or http://gpu-host:9000/v1 for sd-server).",
        default="",
    )
    upstream_api_key: str = _opt(
        "openai backend: the proxy's key for the upstream. Never echoed anywhere.", default=""
    )
    upstream_timeout: float = _opt(
        "openai backend: seconds to wait for one generation.", default=120.0
    )
    upstream_retries: int = _opt(
        "openai backend: retries on connection errors (never on answered requests).", default=2
    )
    max_download_bytes: int = _opt(
        "openai backend: largest image downloaded from an upstream URL.", default=50 * 2**20
    )
    default_model: str = _opt(
        "Model used when a request names none (default: the backend's own; dall-e-2 for the "
        "openai backend, as OpenAI's API does).",
        default="",
    )
    qdrant_url: str = _opt(
        "Qdrant server URL for a shared index. Empty: the embedded Qdrant Edge index in the "
        "data directory.",
        default="",
    )
    qdrant_api_key: str = _opt("API key for the Qdrant server.", default="")
    qdrant_collection: str = _opt("Qdrant collection name.", default="memoaized")
    store_url: str = _opt(
        "Where images are stored: a directory, or s3://bucket/prefix, gs://..., az://... "
        "Empty: `images` in the data directory.",
        default="",
    )
    store_options: str = _opt(
        "Options for the object store as comma-separated key=value pairs (for example "
        "`endpoint=http://127.0.0.1:9000,region=us-east-1`). Credentials are best left to the "
        "cloud's usual environment variables.",
        default="",
    )
    embedding_model: str = _opt(
        "fastembed model name.", default="sentence-transformers/all-MiniLM-L6-v2"
    )
    embedding_model_dir: str = _opt(
        "Folder holding the embedding model. Empty: `models/all-MiniLM-L6-v2` in the data "
        "directory, assembled from the offline packages when they are installed. `download`: "
        "let fastembed download the model by name.",
        default="",
    )
    threshold: float = _opt(
        "Default minimum cosine similarity for a semantic hit (requests may set their own).",
        default=DEFAULT_THRESHOLD,
    )
    candidates: int = _opt("Nearest neighbours examined per lookup.", default=8)
    energy_wh_per_image: float = _opt(
        "Estimated energy of one generated image, in Wh, when the backend cannot measure it "
        "(Luccioni et al. 2023).",
        default=DEFAULT_ENERGY_WH_PER_IMAGE,
    )
    api_keys: str = _opt("Comma-separated client API keys. Empty: no key is required.", default="")
    max_body_bytes: int = _opt("Largest accepted request body.", default=1_048_576)
    public_url: str = _opt(
        "Base URL that image URLs in responses start with (default: the request's own).",
        default="",
    )
    index_maintenance_seconds: float = _opt(
        "How often the embedded index checks, in the background, whether to optimise.",
        default=60.0,
    )
    log_level: str = _opt("Logging level.", default="INFO")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Settings from ``MEMOAIZED_*`` variables, then ``overrides`` (None values ignored)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(f.name, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def images_url(self) -> str:
        return self.store_url or str(self.data_dir / "images")

    @property
    def client_keys(self) -> tuple[str, ...]:
        return tuple(key.strip() for key in self.api_keys.split(",") if key.strip())

    @property
    def store_option_map(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.store_options.split(",") if "=" in item)
        return {key.strip(): value.strip() for key, value in pairs}


def _convert(name: str, raw: str, annotation: Any) -> Any:
    kind = str(annotation)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "Path":
            return Path(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}") from None
    return raw
