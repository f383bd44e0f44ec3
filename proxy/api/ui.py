"""The browser page at ``--ui-path``: ``proxy/ui/`` (``index.html``, ``app.js``, ``style.css``).

The page is a client like any other: it calls the public API (``/v1/models``,
``/v1/images/generations``, ``/v1/cache/entries``) with the key typed into it, so it sees and
does exactly what that key may. Nothing here reads the cache.

Its three files are three routes, not a static folder: a catch-all path at ``/`` would answer
every unknown URL (a ``POST /images/generations`` missing its ``/v1`` would get a 405 instead
of OpenAI's 404), and nothing but these files is meant to be served.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.response import File, Redirect

__all__ = ["UI_DIR", "ui_router"]

UI_DIR = Path(__file__).resolve().parents[1] / "ui"
"""The page's files."""

_ASSETS = {"app.js": "text/javascript", "style.css": "text/css"}
"""The page's files besides itself, by media type (litestar adds ``charset=utf-8``)."""

# The page loads only its own files and calls only this proxy: no CDN, so it works offline.
# Images may come from --public-url, which can name another host.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: http: https:; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Revalidate on every load, so a new version of the proxy never runs an old script.
_REVALIDATE = CacheControlHeader(no_cache=True)


def ui_router(path: str) -> Router:
    """The page at ``path`` and its two files beneath it (``path`` is checked by
    ``Settings``)."""
    prefix = path.rstrip("/")  # "" for a page at the root

    @get(["/", "/index.html"], name="ui-page", include_in_schema=False)
    async def page(request: Request[Any, Any, Any]) -> Response[Any]:
        # The page links its files relatively: /try must become /try/ for them to resolve.
        # (litestar's routing drops the trailing slash from the path; the raw path keeps it.)
        asked = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        if not asked.endswith(("/", "/index.html")):
            return Redirect(prefix + "/", status_code=308)
        return _file("index.html", "text/html")

    @get([f"/{name}" for name in _ASSETS], name="ui-asset", include_in_schema=False)
    async def asset(request: Request[Any, Any, Any]) -> Response[Any]:
        name = request.url.path.rsplit("/", 1)[-1]
        return _file(name, _ASSETS[name])

    return Router(
        path=prefix or "/",
        route_handlers=[page, asset],
        response_headers=_HEADERS,
        cache_control=_REVALIDATE,
    )


def _file(name: str, media_type: str) -> File:
    return File(
        UI_DIR / name, filename=name, content_disposition_type="inline", media_type=media_type
    )
