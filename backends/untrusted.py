"""What an upstream sends back, made safe to pass on: everything from outside is untrusted.

An upstream may echo the key it was sent (whole, in part, upper-cased or base64-encoded) in an
error's message or fields, in a ``revised_prompt`` that the cache would store and serve to other
tenants, or in a header; and its image URLs carry signatures in their query strings. These
helpers rebuild what is passed on from bounded, well-formed pieces with every form of the
secrets masked.
"""

from __future__ import annotations

import base64
import email.utils
import logging
import re
import time
from collections.abc import Iterable

import httpx

__all__ = ["Masker", "RedactedURLs", "bounded_text", "error_field", "retry_after"]

SHORTEST_LEAK = 8
"""Characters of a secret that count as leaking it: any run this long is masked."""
MAX_MESSAGE = 500
"""Characters of an upstream's error message passed on."""
MAX_RETRY_AFTER = 3600
"""Seconds of ``Retry-After`` passed on at most."""

_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-\[\]]{0,63}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Masker:
    """Masks every run of ``SHORTEST_LEAK`` or more characters of any secret (in any letter
    case), and of the secret's base64 forms, with ``***``."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= SHORTEST_LEAK:
                forms.add(secret.lower())
                forms.update(form.lower() for form in _base64_forms(secret))
        windows = {
            form[i : i + SHORTEST_LEAK]
            for form in forms
            for i in range(len(form) - SHORTEST_LEAK + 1)
        }
        self._windows = frozenset(windows)

    def __call__(self, text: str) -> str:
        if not self._windows or len(text) < SHORTEST_LEAK:
            return text
        lowered = text.lower()
        covered = [False] * len(text)
        for i in range(len(text) - SHORTEST_LEAK + 1):
            if lowered[i : i + SHORTEST_LEAK] in self._windows:
                covered[i : i + SHORTEST_LEAK] = [True] * SHORTEST_LEAK
        if not any(covered):
            return text
        out: list[str] = []
        for i, char in enumerate(text):
            if not covered[i]:
                out.append(char)
            elif i == 0 or not covered[i - 1]:
                out.append("***")
        return "".join(out)


def _base64_forms(secret: str) -> list[str]:
    """The parts of ``secret``'s base64 that appear whatever precedes it in the encoded text (a
    secret starts at any of three byte offsets), in the standard and the URL-safe alphabet."""
    raw = secret.encode()
    forms = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        # Skip the characters that mix in the bytes before the secret (the first ceil(8 *
        # offset / 6)), and the last group, which mixes in the bytes after it.
        inner = encoded[-(-8 * offset // 6) : -4]
        forms += [inner, inner.replace("+", "-").replace("/", "_")]
    return [form for form in forms if len(form) >= SHORTEST_LEAK]


def bounded_text(text: str, mask: Masker, limit: int = MAX_MESSAGE) -> str:
    """``text`` with secrets masked, control characters removed and at most ``limit``
    characters."""
    cleaned = _CONTROL.sub(" ", mask(text))
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "..."


def error_field(value: str | None, mask: Masker) -> str | None:
    """An error's ``type``, ``param`` or ``code`` as an upstream sent it, if it is a short
    identifier that gives nothing away; else None."""
    if value is None or not _FIELD.fullmatch(value) or mask(value) != value:
        return None
    return value


def retry_after(header: str | None, now: float | None = None) -> str | None:
    """``Retry-After`` as whole seconds (0 to ``MAX_RETRY_AFTER``), from a number of seconds or
    an HTTP date; None for anything else."""
    if header is None:
        return None
    value = header.strip()
    if value.isascii() and value.isdigit():
        seconds = int(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = max(0, round(when.timestamp() - (time.time() if now is None else now)))
    return str(min(seconds, MAX_RETRY_AFTER))


class RedactedURLs(logging.Filter):
    """Drops the query string and user info of every URL a log record carries as an argument
    (httpx logs each request's URL at INFO; an image URL's query string is its signature)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        return True


def _redacted(arg: object) -> object:
    if isinstance(arg, httpx.URL):
        return arg.copy_with(query=None, fragment=None, username=None, password=None)
    return arg
