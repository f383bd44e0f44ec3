"""Image generation backends for memoaized: the ``ImageBackend`` interface, a registry, and the
``openai`` (any OpenAI-compatible API) and ``diffusers`` (local Stable Diffusion) implementations.

Nothing here imports the proxy; the proxy imports this package.
"""

from backends.base import (
    BackendError,
    BackendFailed,
    BackendUnavailable,
    GeneratedImage,
    Generation,
    GenerationRequest,
    ImageBackend,
    UpstreamRejected,
)
from backends.registry import BackendRegistry, default_registry

__all__ = [
    "BackendError",
    "BackendFailed",
    "BackendRegistry",
    "BackendUnavailable",
    "GeneratedImage",
    "Generation",
    "GenerationRequest",
    "ImageBackend",
    "UpstreamRejected",
    "default_registry",
]
