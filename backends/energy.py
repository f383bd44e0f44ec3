"""Energy a GPU spends on a piece of work, read from NVML's cumulative energy counter.

Measuring is best effort: on a CPU, on Apple silicon, without ``pynvml`` (the ``nvidia-ml-py``
package) or on a GPU whose driver does not keep the counter, every measurement is ``None``
rather than an error, since a missing figure must never fail a generation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = ["EnergyMeter", "EnergyReading"]

log = logging.getLogger(__name__)

_MILLIJOULES_PER_WH = 3_600_000.0


@dataclass(slots=True)
class EnergyReading:
    """The result of one :meth:`EnergyMeter.measure` block; filled in when the block ends."""

    energy_wh: float | None = None
    """Watt-hours the GPU used during the block (the whole GPU, not only this process), or
    None when it could not be measured."""


class EnergyMeter:
    """Reads one GPU's energy counter. Open with :meth:`for_gpu` (or :meth:`disabled`), measure
    with :meth:`measure` as often as needed, then :meth:`close`::

        meter = EnergyMeter.for_gpu(0)
        with meter.measure() as reading:
            run_the_pipeline()
        reading.energy_wh  # float, or None

    A meter is not safe to use from two threads at once; callers measure one piece of work at
    a time, which is also the only way the GPU-wide counter means anything.
    """

    def __init__(self, nvml: ModuleType | None = None, handle: Any = None) -> None:
        self._nvml = nvml
        self._handle = handle

    @classmethod
    def disabled(cls) -> EnergyMeter:
        """A meter that measures nothing (CPU, MPS): every reading is None."""
        return cls()

    @classmethod
    def for_gpu(cls, index: int, *, uuid: str | None = None) -> EnergyMeter:
        """A meter for the CUDA device ``index``, found by ``uuid`` when given (CUDA and NVML
        number devices differently under ``CUDA_VISIBLE_DEVICES``). Falls back to a disabled
        meter, with one log line, when NVML or the counter is not available."""
        try:
            import pynvml
        except ImportError:
            log.info("energy not measured: pynvml is not installed (pip install nvidia-ml-py)")
            return cls.disabled()
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError as exc:
            log.info("energy not measured: NVML did not start (%s)", exc)
            return cls.disabled()
        try:
            if uuid is not None:
                handle = pynvml.nvmlDeviceGetHandleByUUID(uuid)
            else:
                handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            # Probe once: GPUs older than Volta have no energy counter.
            pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        except pynvml.NVMLError as exc:
            log.info("energy not measured: GPU %s has no energy counter (%s)", uuid or index, exc)
            pynvml.nvmlShutdown()
            return cls.disabled()
        return cls(pynvml, handle)

    @property
    def enabled(self) -> bool:
        """True when readings will carry figures."""
        return self._handle is not None

    def _millijoules(self) -> int | None:
        if self._nvml is None or self._handle is None:
            return None
        try:
            return int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle))
        except self._nvml.NVMLError as exc:
            log.warning("energy counter read failed: %s", exc)
            return None

    @contextmanager
    def measure(self) -> Iterator[EnergyReading]:
        """Measure the energy spent while the block runs. The reading stays None when the
        block raises, or when the counter could not be read at either end."""
        reading = EnergyReading()
        before = self._millijoules()
        yield reading
        after = self._millijoules()
        if before is not None and after is not None:
            reading.energy_wh = (after - before) / _MILLIJOULES_PER_WH

    def close(self) -> None:
        """Release NVML. Safe to call twice, and on a disabled meter."""
        if self._nvml is not None:
            nvml, self._nvml, self._handle = self._nvml, None, None
            try:
                nvml.nvmlShutdown()
            except nvml.NVMLError as exc:
                log.debug("NVML shutdown failed: %s", exc)
