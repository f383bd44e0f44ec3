"""The embedded index's answers to exact lookups, remembered between writes.

Every request asks the index for its canonical key first, and with the index in a process of its
own each ask is a round trip to it: about half of an exact hit's time in the handler, and CPU
the index process takes from the two cores under load. One proxy owns an embedded shard (Edge
locks it), so every write to it passes through this process, and an answer stays true until
the next write: answers are remembered (empty ones too: a semantic hit or a miss asks for a
key it will not find) and forgotten whenever a write starts or ends, so that no prompt erased
stays in memory either.

An answer is remembered only where no write started or ended while it was asked for (the shard
process answers in the order it is called, so an ask sent before a write sees the shard without
it), and never while writes are held back from the live shard for a copy: those become visible
page by page as they are applied.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from proxy.index.base import Entry, Where

__all__ = ["ExactAnswers"]

_ANSWERS = 1024
"""Keys remembered: an entry found takes about 1.5 to 2.5 KB, so 2.5 MB at the most (the proxy's
memory budget at 100,000 entries has little more to spare)."""


class ExactAnswers:
    """Exact lookups' answers, until :meth:`changed` is called; none while ``unsettled()``."""

    def __init__(self, unsettled: Callable[[], bool], size: int = _ANSWERS) -> None:
        self._unsettled = unsettled
        self._size = size
        self._answers: OrderedDict[tuple[str, Where], list[Entry]] = OrderedDict()
        self.version = 0
        """Counts the writes to the shard, started and ended."""

    def changed(self) -> None:
        """A write to the shard starts or ends: every answer may be wrong from here on."""
        self.version += 1
        self._answers.clear()

    def get(self, key: str, where: Where) -> list[Entry] | None:
        """The entries last found for ``key`` under ``where``; None when not remembered."""
        if self._unsettled():
            return None
        found = self._answers.get((key, where))
        if found is not None:
            self._answers.move_to_end((key, where))
        return found

    def remember(self, key: str, where: Where, asked_at: int, entries: list[Entry]) -> None:
        """Keep ``entries`` as the answer for ``key`` under ``where``, asked when ``version``
        was ``asked_at``, unless a write started or ended since."""
        if asked_at != self.version or self._unsettled():
            return
        self._answers[(key, where)] = entries
        self._answers.move_to_end((key, where))
        if len(self._answers) > self._size:
            self._answers.popitem(last=False)
