"""The GPU energy counter: figures on an NVIDIA GPU (marker ``gpu``), a clean absence elsewhere."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from backends.base import GenerationRequest
from backends.diffusers_backend import DiffusersBackend
from backends.energy import EnergyMeter


def _nvml_works() -> bool:
    meter = EnergyMeter.for_gpu(0)
    try:
        return meter.enabled
    finally:
        meter.close()


@pytest.mark.skipif(_nvml_works(), reason="this machine has a GPU energy counter")
def test_without_a_gpu_every_reading_is_none_and_nothing_fails() -> None:
    meter = EnergyMeter.for_gpu(0)  # nvidia-ml-py is installed; no NVIDIA driver answers
    assert not meter.enabled
    with meter.measure() as reading:
        pass
    assert reading.energy_wh is None
    meter.close()
    meter.close()


def test_without_nvidia_ml_py_the_meter_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # as if the package were not installed
    meter = EnergyMeter.for_gpu(0)
    assert not meter.enabled
    with meter.measure() as reading:
        pass
    assert reading.energy_wh is None


async def test_a_cpu_generation_reports_no_energy(tiny_model_dir: Path) -> None:
    """The proxy then labels the generation's energy as estimated (tests/test_accounting.py)."""
    async with DiffusersBackend(model=str(tiny_model_dir), device="cpu") as backend:
        generation = await backend.generate(_request())
    assert generation.energy_wh is None


@pytest.mark.gpu
async def test_nvml_measures_cuda_generations(tiny_model_dir: Path) -> None:
    """On an NVIDIA GPU: the energy counter around generations gives positive, plausible
    figures. The counter ticks coarsely and a tiny-pipeline generation takes milliseconds, so
    the test generates for about two seconds (at most 200 times) and looks at the total."""
    energies: list[float | None] = []
    async with DiffusersBackend(model=str(tiny_model_dir), device="cuda") as backend:
        assert "(float16)" in backend.describe()  # half precision by default on CUDA
        await backend.generate(_request())  # warm-up: CUDA kernels load on first use
        started = time.monotonic()
        while time.monotonic() - started < 2 and len(energies) < 200:
            energies.append((await backend.generate(_request())).energy_wh)
    assert all(energy is not None and energy >= 0 for energy in energies), energies
    total = sum(energy or 0.0 for energy in energies)
    assert total > 0, energies
    # Two seconds of a GPU at its full power (700 W for an H100) is 0.39 Wh.
    assert total < 0.5, total


def _request() -> GenerationRequest:
    return GenerationRequest(
        prompt="a copper kettle",
        model="tiny-sd",
        n=1,
        size="512x512",
        quality="auto",
        background="auto",
        moderation="auto",
    )
