"""Backends by name: the proxy picks its backend from configuration through this registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from backends.base import ImageBackend

__all__ = ["BackendRegistry", "default_registry"]

BackendFactory = Callable[..., ImageBackend]


class BackendRegistry:
    """Maps backend names to factories. Registering a name twice is an error, not an override."""

    def __init__(self) -> None:
        self._factories: dict[str, BackendFactory] = {}

    def register(self, name: str, factory: BackendFactory) -> None:
        """Make ``factory`` available as ``name``; refuse a name that is already taken."""
        if name in self._factories:
            raise ValueError(f"backend {name!r} is already registered")
        self._factories[name] = factory

    def create(self, name: str, **options: Any) -> ImageBackend:
        """Build the backend called ``name`` from its options."""
        try:
            factory = self._factories[name]
        except KeyError:
            known = ", ".join(sorted(self._factories)) or "none"
            raise ValueError(f"unknown backend {name!r} (known: {known})") from None
        return factory(**options)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._factories))


def _openai(**options: Any) -> ImageBackend:
    from backends.openai_compat import OpenAIBackend

    return OpenAIBackend(**options)


def _diffusers(**options: Any) -> ImageBackend:
    from backends.diffusers_backend import DiffusersBackend

    return DiffusersBackend(**options)


def default_registry() -> BackendRegistry:
    """A registry holding the two shipped backends, imported lazily (diffusers needs the extra)."""
    registry = BackendRegistry()
    registry.register("openai", _openai)
    registry.register("diffusers", _diffusers)
    return registry
