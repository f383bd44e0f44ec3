"""The cache's logic, free of HTTP: canonical prompts and partitions, per-request controls, the
match decision, single-flight, and the service that ties them to an index, a store and a
backend."""
