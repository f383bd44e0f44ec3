"""The model names a server answers to, and the model each one means.

An application written for OpenAI asks for ``dall-e-2``, ``dall-e-3`` or ``gpt-image-1``. A
server running its own diffusion model answers those names as aliases of that model, unless
configuration maps them elsewhere; an alias keeps its own name's validation rules (see
:func:`backends.images_api.to_generation_request`) and is then made, cached and priced as the
model it stands for. A server that passes names through to an upstream aliases only what
configuration names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backends.images_api import KNOWN_MODELS, InvalidRequest, shown

__all__ = ["ModelNames"]


@dataclass(frozen=True, slots=True)
class ModelNames:
    """What ``served`` (the backend's models, or None when any name passes through) answers to,
    with ``aliases`` mapping further names onto them."""

    served: tuple[str, ...] | None
    aliases: Mapping[str, str]

    @classmethod
    def of(
        cls,
        served: Sequence[str] | None,
        default_model: str,
        configured: Mapping[str, str] | None = None,
    ) -> ModelNames:
        """The names for a backend serving ``served``: the ``configured`` aliases, and for a
        backend with models of its own, OpenAI's names as aliases of ``default_model``. Raises
        ValueError for an alias of a model the backend does not serve, or one hiding a served
        model."""
        configured = dict(configured or {})
        if served is None:
            return cls(None, configured)
        served = tuple(served)
        for alias, model in configured.items():
            if alias in served:
                raise ValueError(
                    f"model_aliases: {alias!r} is a model this backend serves, not an alias"
                )
            if model not in served:
                raise ValueError(
                    f"model_aliases: {alias}={model}, but this backend serves only "
                    f"{', '.join(served)}"
                )
        defaults = {name: default_model for name in sorted(KNOWN_MODELS) if name not in served}
        return cls(served, defaults | configured)

    def resolve(self, requested: str) -> str:
        """The model that makes what ``requested`` names, or a 404 ``model_not_found``."""
        model = self.aliases.get(requested, requested)
        if self.served is not None and model not in self.served:
            raise InvalidRequest(
                f"The model '{shown(requested)}' does not exist or you do not have access to "
                f"it. This server serves: {', '.join(self.listing())}.",
                param="model",
                code="model_not_found",
                status_code=404,
            )
        return model

    def listing(self, default_model: str | None = None) -> list[str]:
        """Every name a client may ask for: the served models (or ``default_model`` where any
        name passes through), then the aliases."""
        if self.served is not None:
            names = list(self.served)
        else:
            names = [default_model] if default_model else []
        return names + [alias for alias in self.aliases if alias not in names]

    def describe(self, default_model: str) -> str:
        """One line for the start-up banner: what is served, and which names mean what."""
        if self.served is not None:
            served = ", ".join(self.served)
        else:
            served = f"what the upstream serves (default {default_model})"
        by_model: dict[str, list[str]] = {}
        for alias, model in self.aliases.items():
            by_model.setdefault(model, []).append(alias)
        return "; ".join(
            [served, *(f"{', '.join(aliases)} -> {model}" for model, aliases in by_model.items())]
        )
