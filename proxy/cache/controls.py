"""Per-request cache controls: the ``Cache-Control`` header and the body's ``cache`` object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import msgspec

from backends.images_api import InvalidRequest

__all__ = ["CacheControls", "CacheOptions"]

CacheMode = Literal["default", "no-cache", "no-store", "only-if-cached"]
CacheScope = Literal["shared", "private"]


class CacheOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The ``cache`` object SDK users send through ``extra_body``."""

    mode: CacheMode = "default"
    threshold: float | None = None
    """Minimum cosine similarity for a semantic hit on this request: the accuracy dial."""
    scope: CacheScope = "shared"
    """``private``: what this request stores only its own tenant can ever read."""
    ttl: float | None = None
    """Seconds the image this request stores may be served (the server's TTL still bounds it)."""


@dataclass(frozen=True, slots=True)
class CacheControls:
    """What the cache may do for one request."""

    lookup: bool = True
    """Look for a cached image (``no-cache`` turns it off: generate fresh, still store)."""
    store: bool = True
    """Store what is generated (``no-store`` turns it off)."""
    only_if_cached: bool = False
    """Never generate: a miss is a 504."""
    threshold: float | None = None
    """Overrides the server's similarity threshold for this request."""
    private: bool = False
    """Store privately: only the request's tenant may read the entry."""
    ttl: float | None = None
    """Seconds the stored entry may be served."""

    @classmethod
    def parse(
        cls, header: str | None, options: CacheOptions | None, *, min_threshold: float = 0.0
    ) -> CacheControls:
        """Combine the header's directives with the body's ``cache`` object (either may be
        absent; directives from both apply). A threshold below ``min_threshold`` is refused:
        in a shared cache it would let one request take whatever image lies nearest."""
        directives = {d.strip().lower().split("=")[0] for d in (header or "").split(",")}
        if options is not None and options.mode != "default":
            directives.add(options.mode)
        threshold = options.threshold if options is not None else None
        if threshold is not None and not (0.0 < threshold <= 1.0 and threshold >= min_threshold):
            raise InvalidRequest(
                f"Invalid 'cache.threshold': {threshold}; expected a cosine similarity between "
                f"{min_threshold or 0} (this server's minimum) and 1.",
                param="cache.threshold",
            )
        ttl = options.ttl if options is not None else None
        if ttl is not None and not 0 < ttl < 1e10:
            raise InvalidRequest(
                f"Invalid 'cache.ttl': {ttl}; expected a positive number of seconds.",
                param="cache.ttl",
            )
        controls = cls(
            lookup="no-cache" not in directives,
            store="no-store" not in directives,
            only_if_cached="only-if-cached" in directives,
            threshold=threshold,
            private=options is not None and options.scope == "private",
            ttl=ttl,
        )
        if controls.only_if_cached and not controls.lookup:
            raise InvalidRequest(
                "'only-if-cached' and 'no-cache' contradict each other: one forbids generating, "
                "the other forbids using the cache.",
                param="cache.mode",
            )
        return controls
