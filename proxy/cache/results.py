"""What the cache service answers: the status of a request and the images served for it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from proxy.index.base import Entry

__all__ = ["CacheResult", "CacheStatus", "ServedImage"]


class CacheStatus(StrEnum):
    """The ``X-Cache`` header's values."""

    HIT = "HIT"
    MISS = "MISS"
    PARTIAL = "PARTIAL"
    REFRESH = "REFRESH"
    BYPASS = "BYPASS"


@dataclass(frozen=True, slots=True)
class ServedImage:
    """One image of a response, cached or freshly generated."""

    media_type: str
    data: bytes | None
    """The bytes, when the caller asked for them or the image was just generated."""
    blob_id: str | None
    """Where the image is stored; None when it was not cached (``no-store``, a store or index
    failure), and its URL must carry the image itself."""
    entry: Entry | None
    match: str | None
    """``exact`` or ``semantic`` for a cached image, None for one generated for this request."""
    similarity: float | None
    revised_prompt: str | None
    generation_seconds: float = 0.0
    """Backend time spent on this image for this request (0 for a cached one)."""
    energy_wh: float = 0.0
    """Energy spent on this image for this request (0 for a cached one)."""
    energy_source: str = "estimated"
    """``measured`` (the backend's GPU energy counter) or ``estimated`` (configuration)."""
    warm_similarity: float | None = None
    """For an image generated from a cached one (a warm start): that one's similarity."""
    steps_skipped: int = 0
    """Denoising steps a warm start skipped."""
    steps_run: int = 0
    """Denoising steps run for this image (0 when the backend does not say)."""

    @property
    def warm_seconds_saved(self) -> float:
        """For a warm start, the generation time its skipped steps would have taken, at the
        time per step that ran."""
        return self.generation_seconds * self.steps_skipped / max(self.steps_run, 1)

    @property
    def warm_energy_saved_wh(self) -> float:
        """For a warm start, the energy its skipped steps would have used, at the energy per
        step that ran."""
        return self.energy_wh * self.steps_skipped / max(self.steps_run, 1)


@dataclass(frozen=True, slots=True)
class CacheResult:
    status: CacheStatus
    images: tuple[ServedImage, ...]

    @property
    def cached(self) -> tuple[ServedImage, ...]:
        return tuple(image for image in self.images if image.match is not None)

    @property
    def match(self) -> str | None:
        """``exact`` when every cached image matched exactly, ``semantic`` when any did not;
        with nothing cached, ``warm`` when an image was generated from a cached one."""
        kinds = {image.match for image in self.cached}
        if not kinds:
            return "warm" if self.warm else None
        return "exact" if kinds == {"exact"} else "semantic"

    @property
    def warm(self) -> tuple[ServedImage, ...]:
        return tuple(image for image in self.images if image.warm_similarity is not None)

    @property
    def similarity(self) -> float | None:
        """The lowest similarity among the cached images (with none cached, among the images
        that warm starts began from)."""
        values = [image.similarity for image in self.cached if image.similarity is not None]
        if not values:
            values = [i.warm_similarity for i in self.warm if i.warm_similarity is not None]
        return min(values) if values else None

    @property
    def generation_seconds(self) -> float:
        """Backend time this request spent generating."""
        return sum(image.generation_seconds for image in self.images if image.match is None)

    @property
    def created_at(self) -> float | None:
        """When the oldest cached image was stored."""
        times = [image.entry.created_at for image in self.cached if image.entry is not None]
        return min(times) if times else None
