"""The proxy's HTTP surface: thin litestar handlers over the cache service."""
