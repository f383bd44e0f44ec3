"""Every setting of the proxy, in one place.

Each field is a command-line option of ``memoaized serve`` (``--field-name``) and an environment
variable (``MEMOAIZED_FIELD_NAME``); the option wins over the variable, the variable over the
default. docs/configuration.md lists the same fields, generated from these.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Self

from backends.profiles import PROFILES
from proxy.matching.lexicon import DEFAULT_WORDNET_DIR
from proxy.values import CONVERTERS, aliases, numbers, pairs

__all__ = [
    "API_PATHS",
    "DEFAULT_THRESHOLD",
    "ENV_PREFIX",
    "Settings",
    "default_data_dir",
]

ENV_PREFIX = "MEMOAIZED_"

DEFAULT_THRESHOLD = 0.75
"""Chosen with the verifier on, from held-out labelled pairs (bench/verification.py): with the
verifier, false hits hardly move between 0.75 and 0.85 and recall is highest at the bottom. See
docs/matching.md."""

API_PATHS = ("/v1", "/docs", "/metrics", "/healthz", "/readyz")
"""Where the proxy's own routes live: the browser page (``ui_path``) may not be put there."""

DEFAULT_JUDGE_ZONE = (0.70, 0.85)
"""Gray zone of the optional judge (see docs/matching.md)."""

DEFAULT_ENERGY_WH_PER_IMAGE = 2.9
"""Luccioni et al. 2023, "Power Hungry Processing" (arXiv 2311.16863): about 2.9 kWh per 1,000
images, averaged over the image-generation models they measured."""


DEFAULT_PRICES = "dall-e-2=0.02,dall-e-3=0.04,gpt-image-1=0.042"
"""US dollars per 1024x1024 image at standard (dall-e-3) or medium (gpt-image-1) quality, from
OpenAI's API pricing page (openai.com/api/pricing)."""


_REAL_IMAGES = (
    "For real images start the proxy with `--backend diffusers --sd-model <model id or folder>` "
    "or `--backend openai --upstream-url <url> --upstream-api-key <key>`."
)


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
    sd_profile: str = _opt(
        "diffusers backend and sd-server: the model family, which sets steps, guidance and "
        "scheduler: `sd`, `sdxl`, `sd-turbo`, `sdxl-turbo`, `lcm`, `lcm-lora` or `tiny`. "
        "Empty: detected from the model's name, pipeline and scheduler.",
        default="",
    )
    sd_steps: int = _opt(
        "diffusers backend and sd-server: denoising steps (0: the profile's).", default=0
    )
    sd_guidance_scale: float = _opt(
        "diffusers backend and sd-server: classifier-free guidance (negative: the profile's, "
        "else the pipeline's own default).",
        default=-1.0,
    )
    sd_compile: bool = _opt(
        "diffusers backend and sd-server: run the denoiser through torch.compile (slow start "
        "and a recompile per new batch size; faster generations on a GPU).",
        default=False,
    )
    sd_max_batch: int = _opt(
        "diffusers backend and sd-server: concurrent requests of one size, from noise and "
        "without a seed, are generated in one pipeline call of up to this many images "
        "(1: one request at a time).",
        default=4,
    )
    upstream_url: str = _opt(
        "openai backend: base URL of the images API, as the OpenAI SDK takes it "
        "(https://api.openai.com/v1, or http://gpu-host:9000/v1 for sd-server).",
        default="",
    )
    upstream_api_key: str = _opt(
        "openai backend: the proxy's key for the upstream. Never echoed anywhere.", default=""
    )
    upstream_warm_starts: bool = _opt(
        "openai backend: the upstream is `memoaized sd-server`, which takes warm starts (an "
        "`init_image` and a `strength`); other upstreams refuse them.",
        default=False,
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
    model_aliases: str = _opt(
        "More names for a served model, as comma-separated alias=model pairs (for example "
        "`dall-e-3=sdxl-turbo,gpt-image-1=sdxl-turbo`). A request naming an alias is checked by "
        "the alias's own rules (OpenAI's sizes, n, quality, style and response_format default "
        "for OpenAI's names), made by the model, and cached with it. With a local backend "
        "OpenAI's names are aliases of the local model unless named here; the openai backend "
        "passes names through unless named here.",
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
    embedding_threads: int = _opt(
        "ONNX Runtime threads per embedding call (0: one fewer than the CPUs the proxy may "
        "use, within its cgroup v2 CPU limit, at least one, so that serving keeps a core "
        "while the model runs).",
        default=0,
    )
    embedding_batch: int = _opt(
        "Most prompts embedded in one call: requests that need a vector at the same moment "
        "share a call (the int8 model then runs them one by one), and none waits for a batch "
        "to fill.",
        default=32,
    )
    embedding_cache: int = _opt(
        "Recent prompt vectors kept in memory by canonical prompt, about 1.6 KB each (0: none).",
        default=4096,
    )
    threshold: float = _opt(
        "Default minimum cosine similarity for a semantic hit (requests may set their own).",
        default=DEFAULT_THRESHOLD,
    )
    min_threshold: float = _opt(
        "Lowest threshold a request may ask for: in a shared cache a lower one would let a "
        "request take whatever image lies nearest, with only the verifier in the way.",
        default=0.70,
    )
    candidates: int = _opt("Nearest neighbours examined per lookup.", default=8)
    verify: bool = _opt(
        "Verify every semantic candidate word by word before serving it (counts, negation, "
        "roles, objects, colours, style, setting, text, spatial relations). Off: similarity "
        "alone decides, which serves many wrong images (see docs/matching.md).",
        default=True,
    )
    wordnet_dir: Path = _opt(
        "WordNet 3.0 database folder the verifier reads (Debian's wordnet-base). Without it "
        "the verifier accepts only identical words.",
        default=DEFAULT_WORDNET_DIR,
    )
    judge_url: str = _opt(
        "Base URL of an OpenAI-compatible chat completions API that judges gray-zone "
        "candidates (for example http://127.0.0.1:8000/v1). Empty: no judge.",
        default="",
    )
    judge_model: str = _opt("Chat model the judge asks.", default="")
    judge_api_key: str = _opt("API key for the judge's endpoint. Never echoed.", default="")
    judge_timeout: float = _opt(
        "Seconds to wait for the judge; no answer in time counts as a miss.", default=5.0
    )
    judge_min_similarity: float = _opt(
        "Lower bound of the judge's gray zone: candidates from here up to the upper bound are "
        "served only when the judge says yes.",
        default=DEFAULT_JUDGE_ZONE[0],
    )
    judge_max_similarity: float = _opt(
        "Upper bound of the judge's gray zone (exclusive): above it the verifier alone decides.",
        default=DEFAULT_JUDGE_ZONE[1],
    )
    warm_start: bool = _opt(
        "Generate near misses from the cached image of a similar prompt (image-to-image), "
        "running only part of the denoising; backends that can (diffusers, and sd-server behind "
        "the openai backend with --upstream-warm-starts).",
        default=True,
    )
    warm_min_similarity: float = _opt(
        "Lowest similarity of a cached image a near miss may start from.", default=0.6
    )
    warm_strength_min: float = _opt(
        "Fraction of the denoising steps a warm start runs for the closest near misses "
        "(at the hit threshold).",
        default=0.5,
    )
    warm_strength_max: float = _opt(
        "Fraction of the denoising steps a warm start runs at --warm-min-similarity.",
        default=0.75,
    )
    energy_wh_per_image: float = _opt(
        "Estimated energy of one generated image, in Wh, when the backend cannot measure it and "
        "--model-energy-wh names no figure for the model (Luccioni et al. 2023).",
        default=DEFAULT_ENERGY_WH_PER_IMAGE,
    )
    model_energy_wh: str = _opt(
        "Per-model energy estimates in Wh per image, as comma-separated model=Wh pairs (for "
        "example `dall-e-3=4.5,sd-turbo=0.3`); models not named use --energy-wh-per-image.",
        default="",
    )
    prices: str = _opt(
        "Price of one image per model in US dollars, as comma-separated model=price pairs; "
        "what a miss spends and a hit saves. Defaults: OpenAI's list prices for a standard "
        "1024x1024 image (see docs/metrics.md).",
        default=DEFAULT_PRICES,
    )
    price_per_image: float = _opt(
        "Price of one image, in US dollars, for models --prices does not name (a local model's "
        "own cost is its energy: 0 by default).",
        default=0.0,
    )
    stats_seconds: float = _opt(
        "How often the cache's size (entries and bytes) is measured for the metrics. Each "
        "measurement lists the image store.",
        default=300.0,
    )
    api_keys: str = _opt(
        "Client API keys, comma-separated, each `tenant:key` (a bare key belongs to tenant "
        "`default`); a key may be given as `sha256:<hex>` (see `memoaized hash-key`). With no "
        "client key at all, no key is required and the proxy listens on loopback only.",
        default="",
    )
    keys_file: str = _opt(
        "File of client keys, one `tenant key` pair a line (`#` comments; keys may be "
        "`sha256:<hex>`), read at start-up, in addition to --api-keys.",
        default="",
    )
    admin_keys: str = _opt(
        "Keys for the admin routes under /v1/cache (comma-separated; `sha256:<hex>` allowed). "
        "Admin keys do not generate images; client keys get 403 on admin routes.",
        default="",
    )
    sharing: str = _opt(
        "Who reads whose entries: `org` (every tenant reads and writes one shared cache) or "
        "`tenant` (each tenant sees only its own entries). Private entries (`cache.scope` "
        "`private`) are only ever read by their own tenant, in both modes.",
        default="org",
    )
    url_secret: str = _opt(
        "Secret that signs image URLs (each URL names its tenant and expiry). Empty: a random "
        "one kept in `url-secret` in the data directory; replicas behind one address must "
        "share one. Never echoed.",
        default="",
    )
    url_ttl: float = _opt("Seconds a signed image URL stays valid.", default=3600.0)
    upstream_key_passthrough: bool = _opt(
        "openai backend: send the client's own upstream key instead of --upstream-api-key: "
        "the `X-Upstream-Api-Key` header, or, when no client keys are configured, the "
        "request's bearer key. Never echoed.",
        default=False,
    )
    ttl: float = _opt(
        "Seconds an entry may be served after it was stored (0: no limit); requests may set "
        "a shorter one with `cache.ttl`.",
        default=0.0,
    )
    max_entries: int = _opt(
        "Most entries kept; beyond it the least valuable are evicted (0: no limit).", default=0
    )
    max_bytes: int = _opt(
        "Most bytes of images kept; beyond it the least valuable entries are evicted "
        "(0: no limit).",
        default=0,
    )
    eviction_seconds: float = _opt(
        "How often the background sweep runs: hit counts written back, expired entries and "
        "entries over capacity removed.",
        default=60.0,
    )
    eviction_half_life: float = _opt(
        "Seconds after which an unused entry's value halves (value: generation time x "
        "(1 + hits), decaying with time since its last use).",
        default=86_400.0,
    )
    eviction_grace_seconds: float = _opt(
        "An entry stored or served this recently is never evicted for capacity, so its "
        "response and URL stay good.",
        default=300.0,
    )
    orphan_grace_seconds: float = _opt(
        "Images no entry shows are deleted once this old; the store is listed for them this often.",
        default=3600.0,
    )
    max_import_bytes: int = _opt(
        "Largest request body of the admin routes that upload images (cache add and import).",
        default=64 * 2**20,
    )
    max_generations: int = _opt(
        "Backend generations run at once; more wait in the queue. Hits never wait.", default=4
    )
    generation_queue: int = _opt(
        "Generations that may wait for a slot; beyond that a miss gets 429 with Retry-After.",
        default=32,
    )
    breaker_failures: int = _opt(
        "Consecutive unreachable-backend errors that open the circuit breaker: generations then "
        "fail fast with 503 and Retry-After (0: never).",
        default=5,
    )
    breaker_seconds: float = _opt(
        "Seconds the circuit stays open before one probe generation is let through.",
        default=10.0,
    )
    rate_limit: float = _opt(
        "Requests per minute per client key on the image route, in bursts of as many "
        "(0: no limit); beyond it 429 with Retry-After.",
        default=0.0,
    )
    allow_unauthenticated: bool = _opt(
        "Listen on a non-loopback address with no client keys configured (anyone who can "
        "reach the proxy can then use it).",
        default=False,
    )
    max_body_bytes: int = _opt("Largest accepted request body.", default=1_048_576)
    max_request_pixels: int = _opt(
        "Pixels one request may ask a local backend (diffusers) for: width x height x n (0: "
        "no limit). The default is four 1024x1024 images; a request over it gets 400 naming "
        "the limit. An upstream API sets its own limits.",
        default=4 * 1024 * 1024,
    )
    generation_timeout: float = _opt(
        "Seconds one generation may take before it is given up with 504 and its slot freed "
        "(the diffusers backend also stops denoising at its next step; 0: no limit).",
        default=300.0,
    )
    min_free_bytes: int = _opt(
        "Free space the data volume keeps: below it the cache stops writing (new entries, hit "
        "counts, index maintenance) while hits and generation go on, and the proxy will not "
        "start (0: no floor).",
        default=256 * 2**20,
    )
    max_connections: int = _opt(
        "Open client connections at most; past it new ones are closed at once (and logged), so "
        "idle sockets cannot use up the process's file descriptors.",
        default=512,
    )
    idle_timeout: float = _opt(
        "Seconds a client connection may stay idle: before its first request, and between "
        "requests on a kept-alive one.",
        default=10.0,
    )
    public_url: str = _opt(
        "Base URL that image URLs in responses start with (default: the request's own).",
        default="",
    )
    ui: bool = _opt(
        "Serve the browser page that shows the cache at work (a prompt box, hits and savings, "
        "a gallery of entries); it calls the public API with the key typed into it.",
        default=True,
    )
    ui_path: str = _opt(
        "Path of the browser page (for example `/` or `/try`); never under /v1, /docs, "
        "/metrics, /healthz or /readyz.",
        default="/",
    )
    index_maintenance_seconds: float = _opt(
        "How often, at the latest, the embedded index checks in the background whether to "
        "optimise; entries stored wake it sooner, so an import is indexed as it arrives.",
        default=60.0,
    )
    log_level: str = _opt("Logging level.", default="INFO")

    def __post_init__(self) -> None:
        if not 0.0 < self.min_threshold <= self.threshold <= 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 < min_threshold ({self.min_threshold}) <= threshold "
                f"({self.threshold}) <= 1: they are cosine similarities, not percentages"
            )
        if self.judge_url and not self.judge_model:
            raise ValueError("a judge needs a model: set --judge-model with --judge-url")
        if not 0.0 < self.judge_min_similarity < self.judge_max_similarity <= 1.0:
            raise ValueError(
                f"the judge's gray zone needs 0 < judge_min_similarity "
                f"({self.judge_min_similarity}) < judge_max_similarity "
                f"({self.judge_max_similarity}) <= 1"
            )
        # Fail at start-up, not at the first request that needs the figure.
        numbers("model_energy_wh", self.model_energy_wh)
        numbers("prices", self.prices)
        aliases(self.model_aliases)
        for name in ("candidates", "embedding_batch"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.sd_profile and self.sd_profile not in PROFILES:
            raise ValueError(
                f"sd_profile must be empty (detect) or one of {', '.join(PROFILES)}, "
                f"not {self.sd_profile!r}"
            )
        if self.sharing not in ("org", "tenant"):
            raise ValueError(f"sharing must be `org` or `tenant`, not {self.sharing!r}")
        for name in ("max_generations", "generation_queue"):
            if getattr(self, name) < 1 and not (
                name == "generation_queue" and self.generation_queue == 0
            ):
                raise ValueError(f"{name} must be at least 1")
        for name in (
            "ttl",
            "max_entries",
            "max_bytes",
            "breaker_failures",
            "rate_limit",
            "max_request_pixels",
            "generation_timeout",
            "min_free_bytes",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (no limit) or positive")
        for name in ("embedding_threads", "embedding_cache"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or positive, not {getattr(self, name)}")
        _check_ui_path(self.ui_path)
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        for name in (
            "url_ttl",
            "eviction_seconds",
            "eviction_half_life",
            "breaker_seconds",
            "idle_timeout",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

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
    def local_paths(self) -> list[Path]:
        """The folders on this machine the cache writes to: the embedded index's and a local
        image store's."""
        paths = [] if self.qdrant_url else [self.index_dir]
        if "://" not in self.images_url:
            paths.append(Path(self.images_url).expanduser())
        return paths

    @property
    def loopback(self) -> bool:
        return self.host in ("127.0.0.1", "localhost", "::1")

    @property
    def diffusers_options(self) -> dict[str, Any]:
        """``DiffusersBackend``'s options, but for ``model`` (the proxy and sd-server differ
        on what an empty ``sd_model`` means)."""
        return {
            "model_name": self.sd_model_name or None,
            "device": self.sd_device or None,
            "dtype": self.sd_dtype or None,
            "profile": self.sd_profile or None,
            "steps": self.sd_steps or None,
            "guidance_scale": self.sd_guidance_scale if self.sd_guidance_scale >= 0 else None,
            "max_batch": self.sd_max_batch,
            "compile": self.sd_compile,
            "timeout": self.generation_timeout or None,
        }

    @property
    def placeholder_notice(self) -> str:
        """Said at start-up and in ``/v1/models`` when misses are generated by the demo
        pipeline: why, in this configuration, and how to get real images."""
        if not self.backend:
            why = "No backend is configured: misses are generated by"
        elif not self.sd_model:
            why = "The diffusers backend has no `--sd-model`: misses are generated by"
        else:
            why = "The configured `--sd-model` is"
        return (
            f"{why} the tiny random-weight demo pipeline, whose images are placeholders "
            f"(noise). {_REAL_IMAGES}"
        )

    @property
    def store_option_map(self) -> dict[str, str]:
        return pairs(self.store_options)

    @property
    def model_energy_map(self) -> dict[str, float]:
        return numbers("model_energy_wh", self.model_energy_wh)

    @property
    def price_map(self) -> dict[str, float]:
        return numbers("prices", self.prices)

    @property
    def model_alias_map(self) -> dict[str, str]:
        return aliases(self.model_aliases)


def _check_ui_path(path: str) -> None:
    """The browser page's path must be a plain path that leaves every API route alone."""
    if not re.fullmatch(r"/[A-Za-z0-9._~/-]*", path) or "//" in path:
        raise ValueError(f"ui_path must be a path such as / or /try, not {path!r}")
    page = path.rstrip("/")
    for route in API_PATHS:
        if page == route or page.startswith(route + "/"):
            raise ValueError(f"ui_path {path!r} would hide the API's {route} routes")


def _convert(name: str, raw: str, annotation: Any) -> Any:
    kind = str(annotation)
    try:
        return CONVERTERS.get(kind, str)(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}") from None
