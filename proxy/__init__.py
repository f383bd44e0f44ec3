"""memoaized: an OpenAI-compatible semantic caching proxy for image generation.

``proxy.app.create_app`` builds the HTTP app from ``proxy.settings.Settings``; the decisions
live in ``proxy.cache``, storage in ``proxy.index`` and ``proxy.store``.
"""
