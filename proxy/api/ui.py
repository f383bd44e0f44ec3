"""The browser page at ``--ui-path``: ``proxy/ui/`` (``index.html``, ``app.js``, ``style.css``)
served as static files.

The page is a client like any other: it calls the public API (``/v1/models``,
``/v1/images/generations``, ``/v1/cache/entries``) with the key typed into it, so it sees and
does exactly what that key may. Nothing here reads the cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.response import File, Redirect
from litestar.static_files import create_static_files_router

__all__ = ["UI_DIR", "ui_router"]

UI_DIR = Path(__file__).resolve().parents[1] / "ui"
"""The page's files."""

# The page loads only its own files and calls only this proxy: no CDN, so it works offline.
# Images may come from --public-url, which can name another host.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: http: https:; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
}
# Revalidate on every load, so a new version of the proxy never runs an old script.
_REVALIDATE = CacheControlHeader(no_cache=True)


def ui_router(path: str) -> Router:
    """The page at ``path`` and its files beneath it (``path`` is checked by ``Settings``)."""
    prefix = path.rstrip("/")  # "" for a page at the root

    @get("/", name="ui-page", include_in_schema=False, cache_control=_REVALIDATE)
    async def page(request: Request[Any, Any, Any]) -> Response[Any]:
        # The page links its files relatively: /try must become /try/ for them to resolve.
        # (litestar's routing drops the trailing slash from the path; the raw path keeps it.)
        asked = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        if not asked.endswith("/"):
            return Redirect(prefix + "/", status_code=308)
        return File(
            UI_DIR / "index.html",
            filename="index.html",
            content_disposition_type="inline",
            headers=_PAGE_HEADERS,
        )

    router = create_static_files_router(
        prefix or "/", [UI_DIR], name="ui", cache_control=_REVALIDATE, include_in_schema=False
    )
    router.register(page)
    return router
