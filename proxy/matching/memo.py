"""What a function made of a prompt, remembered for the prompts seen last."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["PromptMemo"]

T = TypeVar("T")


class PromptMemo(Generic[T]):
    """``function(text)``, remembered for the last ``size`` texts of up to ``up_to`` characters
    (4,096 of 1,000 characters: under 32 MB however they are written); longer texts are worked
    out each time. :meth:`clear` drops every text (an erasure must not leave prompts in memory).
    A remembered value is shared between callers: they must not change it."""

    def __init__(self, function: Callable[[str], T], *, size: int = 4096, up_to: int = 1000):
        self._function = function
        self._remembered = functools.lru_cache(maxsize=size)(function)
        self.up_to = up_to

    def __call__(self, text: str) -> T:
        if len(text) <= self.up_to:
            return self._remembered(text)
        return self._function(text)

    def __len__(self) -> int:
        """How many texts are remembered."""
        return self._remembered.cache_info().currsize

    def clear(self) -> None:
        self._remembered.cache_clear()
