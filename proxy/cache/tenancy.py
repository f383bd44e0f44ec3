"""Who may read which entries: the sharing mode, private scope, and the filter that enforces them.

Every entry records the tenant whose request stored it and whether that request asked for
``cache.scope = "private"``. A reader sees, in ``org`` sharing (the default), every shared entry
and its own tenant's private ones; in ``tenant`` sharing, only its own tenant's entries. An
administrator sees everything. The rule is applied as a filter inside every index query (so a
candidate another tenant may not see is never even a candidate) and checked again, in Python, on
every route that returns one entry by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from proxy.index.base import EVERYTHING, SHARED, Entry, Where

__all__ = ["SHARING_MODES", "Sharing", "Viewer"]

Sharing = Literal["org", "tenant"]
SHARING_MODES: tuple[Sharing, ...] = ("org", "tenant")


@dataclass(frozen=True, slots=True)
class Viewer:
    """The tenant a request acts for, under the proxy's sharing mode. ``tenant`` None is an
    administrator."""

    tenant: str | None
    sharing: Sharing = "org"

    @property
    def admin(self) -> bool:
        return self.tenant is None

    def where(self, base: Where = EVERYTHING) -> Where:
        """``base`` narrowed to the entries this viewer may read."""
        if self.tenant is None:
            return base
        if self.sharing == "tenant":
            return base.narrow(tenant=self.tenant)
        return base.narrow(audiences=(SHARED, f"private:{self.tenant}"))

    def sees(self, entry: Entry) -> bool:
        """The rule of ``where``, for one entry already in hand."""
        if self.tenant is None:
            return True
        if self.sharing == "tenant":
            return entry.tenant == self.tenant
        return entry.audience in (SHARED, f"private:{self.tenant}")

    def flight(self, key: str, private: bool) -> str:
        """The single-flight key of a request: identical requests join one generation only
        when every one of them may read what it stores."""
        if self.sharing == "tenant":
            return f"{key}/tenant:{self.tenant}"
        return f"{key}/private:{self.tenant}" if private else key
