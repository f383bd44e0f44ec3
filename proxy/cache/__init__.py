"""The cache service, free of HTTP: per-request controls, single-flight, admission, eviction,
warm starts, and the service that ties an index, a store and a backend to the match decision of
:mod:`proxy.matching`."""
