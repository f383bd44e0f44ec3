"""memoaized: an OpenAI-compatible semantic caching proxy for image generation.

``proxy.app.create_app`` builds the HTTP app from ``proxy.settings.Settings``; the decisions
live in ``proxy.cache``, storage in ``proxy.index`` and ``proxy.store``.
"""

import sys

# httpx imports its command-line client (with click, rich and pygments: 3 to 4 MiB of every
# proxy's memory, issue 17) whenever those are installed, and uvicorn and litestar install
# them. httpx falls back to a stub when that import fails, and the proxy never runs the client.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
