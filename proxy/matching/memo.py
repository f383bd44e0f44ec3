"""What a function made of a prompt (or of a pair of prompts), remembered for those seen last."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["PromptMemo"]

T = TypeVar("T")


class PromptMemo(Generic[T]):
    """``function(*texts)``, remembered for the last ``size`` calls whose texts have up to
    ``up_to`` characters each (4,096 single texts of 1,000 characters: under 32 MB however they
    are written); calls with a longer text are worked out each time. :meth:`clear` drops every
    text (an erasure must not leave prompts in memory). A remembered value is shared between
    callers: they must not change it."""

    def __init__(self, function: Callable[..., T], *, size: int = 4096, up_to: int = 1000):
        self._function = function
        self._remembered = functools.lru_cache(maxsize=size)(function)
        self.up_to = up_to

    def __call__(self, *texts: str) -> T:
        if all(len(text) <= self.up_to for text in texts):
            return self._remembered(*texts)
        return self._function(*texts)

    def __len__(self) -> int:
        """How many calls are remembered."""
        return self._remembered.cache_info().currsize

    def cache_info(self) -> functools._CacheInfo:
        """Hits, misses and size of the memory, as ``functools.lru_cache`` counts them."""
        return self._remembered.cache_info()

    def clear(self) -> None:
        self._remembered.cache_clear()
