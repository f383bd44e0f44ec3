"""What an entry records when the cache stores an image: the request it answers, the image, what
it cost, and whose it is."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from backends.base import Generation
from proxy.auth import DEFAULT_TENANT
from proxy.index.base import Entry, entry_id
from proxy.matching.decision import Query

__all__ = ["Cost", "Owner", "cost_of", "new_entry"]


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose an entry is, and how long it may be served."""

    tenant: str = DEFAULT_TENANT
    private: bool = False
    user: str | None = None
    expires_at: float | None = None


@dataclass(frozen=True, slots=True)
class Cost:
    """What each image of a generation cost, and (``whole``) what one from noise would have:
    the figures an entry keeps, since a hit on it saves a whole generation."""

    seconds: float
    energy_wh: float
    energy_source: str
    whole_seconds: float
    whole_energy_wh: float
    steps_run: int
    steps_skipped: int


def cost_of(generation: Generation, warm: bool, estimate_wh: float) -> Cost:
    """The cost of each image of ``generation`` (warm-started or not); ``estimate_wh``: one
    image's energy from noise, for a backend that cannot measure it."""
    count = max(len(generation.images), 1)  # no image at all is caught by the caller
    ran, full = generation.steps or 0, generation.full_steps or 0
    counted = warm and 0 < ran <= full  # the backend said how many steps ran
    seconds = generation.seconds / count
    if generation.energy_wh is not None:
        energy, source = generation.energy_wh / count, "measured"
        whole_energy = energy * full / ran if counted else energy
    else:
        energy, source = estimate_wh, "estimated"
        whole_energy = energy
        if counted:  # the estimate is for a whole generation; a warm start ran part of it
            energy *= ran / full
    return Cost(
        seconds=seconds,
        energy_wh=energy,
        energy_source=source,
        whole_seconds=seconds * full / ran if counted else seconds,
        whole_energy_wh=whole_energy,
        steps_run=ran,
        steps_skipped=full - ran if counted else 0,
    )


def new_entry(
    query: Query,
    *,
    blob_id: str,
    media_type: str,
    size: int,
    generation_seconds: float,
    energy_wh: float,
    energy_source: str,
    backend: str,
    owner: Owner = Owner(),
    revised_prompt: str | None = None,
    created_at: float | None = None,
) -> Entry:
    """The entry that records ``blob_id`` (``size`` bytes) as the image of ``query``, with what
    it cost and whose it is."""
    return Entry(
        id=entry_id(query.key, blob_id, owner.tenant, owner.private),
        key=query.key,
        partition=query.partition.key,
        prompt=query.prompt,
        canonical=query.canonical,
        blob_id=blob_id,
        media_type=media_type,
        # Milliseconds: a float with few digits survives every index's payload encoding intact.
        created_at=round(time.time() if created_at is None else created_at, 3),
        generation_seconds=generation_seconds,
        energy_wh=energy_wh,
        energy_source=energy_source,
        backend=backend,
        revised_prompt=revised_prompt,
        tenant=owner.tenant,
        private=owner.private,
        user=owner.user,
        expires_at=owner.expires_at,
        bytes=size,
        **dataclasses.asdict(query.partition),
    )
