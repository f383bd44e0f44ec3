"""What an entry records when the cache stores an image: the request it answers, the image, what
it cost, and whose it is."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from proxy.auth import DEFAULT_TENANT
from proxy.index.base import Entry, entry_id
from proxy.matching.decision import Query

__all__ = ["Owner", "new_entry"]


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose an entry is, and how long it may be served."""

    tenant: str = DEFAULT_TENANT
    private: bool = False
    user: str | None = None
    expires_at: float | None = None


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
