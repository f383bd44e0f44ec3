"""Prompt vectors: the real embedding model, read in calls shared by concurrent requests."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from proxy.embedding import Embedder, EmbeddingBatches

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
    """Texts go to the model sorted by length; each row still belongs to its own text."""
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
    expected = np.asarray(list(own.embed(texts)), dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
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
