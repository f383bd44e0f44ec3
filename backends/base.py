"""The plug-in point for image generation: one small async interface with a lifecycle.

Exceptions raised by backends (the proxy maps each to an OpenAI-shaped error)::

    BackendError                  anything that went wrong producing images
    ├── BackendUnavailable        the backend could not be reached, or timed out (503)
    ├── BackendFailed             the backend answered, but not with usable images (502)
    │   └── WarmStartRefused      it cannot start from the given image (a warm start); from
    │                             noise it still may
    └── UpstreamRejected          the upstream refused the request with a 4xx; status, type, param,
                                  code and Retry-After are kept so the client sees what it would
                                  have seen talking to the upstream directly
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

__all__ = [
    "BackendError",
    "BackendFailed",
    "BackendUnavailable",
    "GeneratedImage",
    "Generation",
    "GenerationRequest",
    "ImageBackend",
    "UpstreamRejected",
    "WarmStartRefused",
]


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """What to generate, with every parameter already validated and defaulted."""

    prompt: str
    model: str
    n: int = 1
    size: str = "1024x1024"
    """``WIDTHxHEIGHT`` or ``auto``."""
    quality: str | None = None
    style: str | None = None
    background: str | None = None
    moderation: str | None = None
    output_format: str = "png"
    """``png``, ``jpeg`` or ``webp``: the encoding of the returned bytes."""
    output_compression: int | None = None
    user: str | None = None
    seed: int | None = None
    """Honoured by local pipelines (image ``i`` uses ``seed + i``); upstream APIs ignore it."""
    init_image: bytes | None = field(default=None, repr=False, compare=False)
    """A warm start: an earlier image (of a similar prompt) to start from instead of noise. Only
    backends with ``warm_starts`` take it."""
    strength: float | None = None
    """With ``init_image``: how much of the denoising to run (0 to 1), as image-to-image's
    strength: 0.6 runs 60% of the steps from the noised earlier image."""
    api_key: str | None = field(default=None, repr=False, compare=False)
    """The client's own key for an upstream API (pass-through), used instead of the backend's
    own. Never shown: not in ``repr``, logs or errors."""


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    """One image as encoded bytes."""

    data: bytes
    media_type: str
    revised_prompt: str | None = None
    """The prompt the backend actually used, when it rewrote the request's prompt."""


@dataclass(frozen=True, slots=True)
class Generation:
    """The images of one backend call and what producing them cost."""

    images: tuple[GeneratedImage, ...]
    seconds: float
    """Wall time of the whole call, as the proxy saw it."""
    energy_wh: float | None = None
    """Energy measured for the whole call (NVML), or None when the backend cannot measure it."""
    steps: int | None = None
    """Denoising steps run per image, when the backend counts them."""
    full_steps: int | None = None
    """Steps a generation from noise runs: ``full_steps - steps`` were skipped by a warm start."""
    batch_images: int = 1
    """Images made by the pipeline call this generation shared (micro-batching)."""


class BackendError(Exception):
    """Base class of every error a backend raises."""

    status_code = 502

    def __init__(self, message: str, *, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class BackendUnavailable(BackendError):
    """The backend could not be reached or did not answer in time."""

    status_code = 503


class BackendFailed(BackendError):
    """The backend answered with an error of its own or with something that is not images."""

    status_code = 502


class GenerationTimedOut(BackendError):
    """The generation ran past its deadline (``--generation-timeout``) and was given up."""

    status_code = 504
    code = "generation_timeout"


class WarmStartRefused(BackendFailed):
    """The backend cannot start from the request's ``init_image`` (it takes no warm starts, or
    cannot read the image, or the strength leaves no step to run); the same request from noise
    may still succeed."""


class UpstreamRejected(BackendError):
    """The upstream API refused the request (a 4xx); its error is passed on as it was."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status_code = status_code
        self.error_type = error_type
        self.param = param
        self.code = code


class ImageBackend(ABC):
    """Produces images for prompts. Used as an async context manager::

        async with backend:
            generation = await backend.generate(request)

    Implementations must never block the event loop: heavy work runs in a worker thread.
    """

    name: str = "abstract"
    """The registry name of the implementation (``openai``, ``diffusers``)."""
    generates_here: bool = False
    """Whether generations run on this machine's own CPU or GPU (so their size is bounded by
    ``--max-request-pixels``), not on an upstream with limits of its own."""

    async def start(self) -> None:  # noqa: B027 - a no-op default is part of the contract
        """Open clients, load models. Called once before the first ``generate``."""

    async def close(self) -> None:  # noqa: B027 - a no-op default is part of the contract
        """Release what ``start`` opened. Safe to call when ``start`` failed or never ran."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    @abstractmethod
    def default_model(self) -> str:
        """The model used when a request names none."""

    @abstractmethod
    def served_models(self) -> Sequence[str] | None:
        """The models this backend can produce, or None when any model name is passed through
        (an upstream API decides for itself)."""

    @property
    def default_size(self) -> str:
        """The ``WxH`` that ``size=auto`` means for a local diffusion model (OpenAI's own model
        families have fixed defaults)."""
        return "512x512"

    def describe(self) -> str:
        """One line for logs and ``/v1/models``: what this backend is and where it points."""
        return self.name

    @property
    def placeholder(self) -> bool:
        """True when the images are not real pictures (the random-weight demo pipeline)."""
        return False

    @property
    def warm_starts(self) -> bool:
        """Whether ``generate`` can start from an earlier image (``init_image``)."""
        return False

    @abstractmethod
    async def generate(self, request: GenerationRequest) -> Generation:
        """Produce ``request.n`` images for ``request.prompt``, or raise a ``BackendError``."""
