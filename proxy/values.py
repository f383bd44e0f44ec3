"""The text values of settings, parsed: on/off, ``key=value`` lists, non-negative numbers per
name and model aliases. A value that cannot be read raises ValueError naming the setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["CONVERTERS", "aliases", "numbers", "pairs", "parse_bool"]


def pairs(text: str) -> dict[str, str]:
    """``key=value,key=value`` as a dict (items without ``=`` are ignored)."""
    items = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in items}


def numbers(name: str, text: str) -> dict[str, float]:
    found = {}
    for key, value in pairs(text).items():
        try:
            found[key] = float(value)
        except ValueError:
            raise ValueError(f"{name}: {key}={value!r} is not a number") from None
        if found[key] < 0:
            raise ValueError(f"{name}: {key}={value} is negative")
    return found


def aliases(text: str) -> dict[str, str]:
    """``alias=model,alias=model`` as a dict, refusing anything else: a mistyped alias would
    otherwise only show as a 404 at the first request that uses it."""
    found: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        alias, _, model = (side.strip() for side in item.partition("="))
        if not alias or not model:
            raise ValueError(f"model_aliases: {item!r} is not alias=model")
        if alias == model:
            raise ValueError(f"model_aliases: {alias!r} names itself")
        if alias in found:
            raise ValueError(f"model_aliases: {alias!r} is named twice")
        found[alias] = model
    for alias, model in found.items():
        if model in found:
            raise ValueError(
                f"model_aliases: {alias!r} names {model!r}, itself an alias; name a served model"
            )
    return found


def parse_bool(raw: str) -> bool:
    """``1``, ``true``, ``yes``, ``on`` or their opposites, in any case."""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not one of on/off, true/false, yes/no, 1/0")


CONVERTERS: dict[str, Any] = {"int": int, "float": float, "Path": Path, "bool": parse_bool}
"""A setting's type, as its annotation names it, to the function that reads it from text."""
