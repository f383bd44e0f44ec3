"""The ``openai`` backend: any OpenAI-compatible images API over httpx (OpenAI itself, another
proxy, or ``memoaized sd-server`` on a GPU machine)."""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from backends.base import (
    BackendFailed,
    BackendUnavailable,
    GeneratedImage,
    Generation,
    GenerationRequest,
    ImageBackend,
    UpstreamRejected,
    WarmStartRefused,
)
from backends.images_api import MEDIA_TYPES, ErrorBody, ImagesResponse
from backends.untrusted import Masker, RedactedURLs, bounded_text, error_field, retry_after

__all__ = ["OpenAIBackend"]

log = logging.getLogger(__name__)
logging.getLogger("httpx").addFilter(RedactedURLs())

_CONNECT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout)
MAX_REVISED_PROMPT = 4000
"""Characters of an upstream's ``revised_prompt`` kept."""
_WARM_START_FIELDS = ("init_image", "strength")
"""sd-server's warm-start fields: a 400 naming one refuses the warm start, not the request."""


class OpenAIBackend(ImageBackend):
    """Forwards generations to ``base_url`` + ``/images/generations``.

    Retries only when the connection could not be made (the upstream never saw the request, so
    nothing is paid twice). Upstream 4xx errors reach the client rebuilt from their well-formed
    parts (see :mod:`backends.untrusted`), ``Retry-After`` included; 5xx become 502,
    unreachable or timed-out upstreams 503. The proxy's upstream key is sent only in the
    ``Authorization`` header and never appears in an error, a revised prompt or a log line.

    With ``warm_starts`` (for an upstream that is ``memoaized sd-server``), a warm start is sent
    as sd-server's ``init_image`` and ``strength``, and the steps it reports running come back
    in the ``Generation``.
    """

    name = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None = None,
        default_model: str = "dall-e-2",
        models: Sequence[str] | None = None,
        timeout: float = 120.0,
        connect_retries: int = 2,
        max_download_bytes: int = 50 * 2**20,
        warm_starts: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_url:
            raise ValueError("the openai backend needs an upstream URL (--upstream-url)")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self._default_model = default_model
        self._models = tuple(models) if models else None
        self.timeout = timeout
        self.connect_retries = connect_retries
        self.max_download_bytes = max_download_bytes
        self._warm_starts = warm_starts
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def default_model(self) -> str:
        return self._default_model

    def served_models(self) -> Sequence[str] | None:
        return self._models

    @property
    def warm_starts(self) -> bool:
        return self._warm_starts

    def describe(self) -> str:
        parts = urlsplit(self.base_url)
        return f"openai-compatible upstream at {parts.scheme}://{parts.netloc}{parts.path}"

    async def start(self) -> None:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
            transport=self._transport,
            follow_redirects=False,
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise BackendUnavailable("the openai backend has not been started")
        return self._client

    async def generate(self, request: GenerationRequest) -> Generation:
        started = time.perf_counter()
        response = await self._post(_upstream_body(request), request.api_key)
        mask = Masker([request.api_key, self._api_key])
        if response.status_code >= 400:
            raise _upstream_error(response, mask, passed_through=request.api_key is not None)
        try:
            body = msgspec.json.decode(response.content, type=ImagesResponse)
        except msgspec.DecodeError as error:
            raise BackendFailed(f"the upstream answered with an invalid body: {error}") from None
        media_type = MEDIA_TYPES.get(body.output_format or request.output_format, "image/png")
        images = []
        for item in body.data:
            if item.b64_json is not None:
                try:
                    data = base64.b64decode(item.b64_json, validate=True)
                except ValueError:
                    raise BackendFailed("the upstream sent an image that is not base64") from None
            elif item.url is not None:
                data = await self._download(item.url)
            else:
                raise BackendFailed("the upstream sent an image with neither b64_json nor url")
            # Stored with the entry and served to everyone who hits it: only after the scan.
            revised = item.revised_prompt
            revised = bounded_text(revised, mask, MAX_REVISED_PROMPT) if revised else None
            images.append(GeneratedImage(data, media_type, revised))
        if len(images) != request.n:
            raise BackendFailed(f"asked the upstream for {request.n} images, got {len(images)}")
        return Generation(
            images=tuple(images),
            seconds=time.perf_counter() - started,
            energy_wh=_energy(response.headers.get("x-energy-wh")),
            steps=_count(response.headers.get("x-denoising-steps")),
            full_steps=_count(response.headers.get("x-full-steps")),
            batch_images=_count(response.headers.get("x-batch-images")) or 1,
        )

    async def _post(self, body: dict[str, Any], api_key: str | None) -> httpx.Response:
        url = f"{self.base_url}/images/generations"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        for attempt in range(self.connect_retries + 1):
            try:
                return await self.client.post(url, json=body, headers=headers)
            except _CONNECT_ERRORS as error:
                if attempt == self.connect_retries:
                    raise BackendUnavailable(
                        f"cannot connect to the upstream images API: {type(error).__name__}",
                        retry_after="5",
                    ) from None
                await asyncio.sleep(0.2 * 2**attempt)
            except httpx.TimeoutException as error:
                raise BackendUnavailable(
                    f"the upstream images API timed out ({type(error).__name__})"
                ) from None
            except httpx.TransportError as error:
                # The connection broke mid-request (the upstream died or restarted): it is
                # unavailable, not failing. Not retried: it may have generated already.
                raise BackendUnavailable(
                    f"the upstream images API dropped the connection ({type(error).__name__})",
                    retry_after="5",
                ) from None
            except httpx.HTTPError as error:
                raise BackendFailed(
                    f"the upstream images API failed: {type(error).__name__}"
                ) from None
        raise AssertionError("unreachable")

    async def _download(self, url: str) -> bytes:
        """Fetch an image the upstream returned by URL, refusing anything over the limit."""
        download = self.client.build_request("GET", url)
        download.headers.pop("authorization", None)  # the upstream key goes to the API only
        try:
            response = await self.client.send(download, stream=True)
            try:
                if response.status_code != 200:
                    raise BackendFailed(
                        f"downloading the upstream image gave {response.status_code}"
                    )
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_download_bytes:
                        raise BackendFailed(
                            f"the upstream image is larger than {self.max_download_bytes} bytes"
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
            finally:
                await response.aclose()
        except httpx.HTTPError as error:
            raise BackendUnavailable(
                f"cannot download the upstream image: {type(error).__name__}"
            ) from None


def _upstream_body(request: GenerationRequest) -> dict[str, Any]:
    """The upstream request: only the parameters the model family takes."""
    gpt_image = request.model.startswith("gpt-image")
    body: dict[str, Any] = {
        "prompt": request.prompt,
        "model": request.model,
        "n": request.n,
        "size": request.size,
        "quality": request.quality,
        "style": request.style,
        "background": request.background,
        "moderation": request.moderation,
        "output_compression": request.output_compression,
        "user": request.user,
    }
    if gpt_image or request.output_format != "png":
        body["output_format"] = request.output_format
    if not gpt_image:  # gpt-image models always answer with b64_json and refuse the parameter
        body["response_format"] = "b64_json"
    if request.init_image is not None:  # only with warm_starts: sd-server's own fields
        body["init_image"] = base64.b64encode(request.init_image).decode("ascii")
        body["strength"] = request.strength
    return {key: value for key, value in body.items() if value is not None}


def _energy(header: str | None) -> float | None:
    """The energy an upstream reports for a generation (sd-server's ``X-Energy-Wh``); None when
    absent or not a finite, non-negative number of watt-hours."""
    try:
        energy = float(header) if header else None
    except ValueError:
        return None
    return energy if energy is not None and math.isfinite(energy) and energy >= 0 else None


def _count(header: str | None) -> int | None:
    """A count an upstream reports (sd-server's ``X-Denoising-Steps``...); None when absent or
    not a non-negative integer."""
    return int(header) if header is not None and header.isascii() and header.isdigit() else None


def _upstream_error(
    response: httpx.Response, mask: Masker, *, passed_through: bool = False
) -> Exception:
    """The client-facing error for an upstream's error answer. Only a 4xx that the upstream
    explains in OpenAI's error shape is the client's to fix and passes through; anything else
    (a refused proxy key, a 404 from a wrong URL, an HTML error page, a 5xx) is the backend
    failing: 502. A 404 ``model_not_found`` names the client's model and passes through. A
    refused key the client passed through is the client's: 401, without the upstream's message
    (which may quote part of the key). What is passed on is rebuilt: the
    message bounded with every form of the keys masked (``mask``), ``type``, ``param`` and
    ``code`` only when they are short identifiers, ``Retry-After`` only as a number."""
    wait = retry_after(response.headers.get("retry-after"))
    status = response.status_code
    if status in (401, 403) and passed_through:
        return UpstreamRejected(
            "The upstream refused the API key you passed through.",
            status_code=401,
            error_type="invalid_request_error",
            param=None,
            code="invalid_upstream_api_key",
        )
    if status in (401, 403):
        # The client's key is fine; the proxy's own upstream credentials are not.
        return BackendFailed(
            f"the upstream refused the proxy's credentials ({status}); check "
            "MEMOAIZED_UPSTREAM_API_KEY"
        )
    try:
        detail = msgspec.json.decode(response.content, type=ErrorBody).error
    except msgspec.DecodeError:
        return BackendFailed(
            f"the upstream answered {status} without an OpenAI error", retry_after=wait
        )
    message = bounded_text(detail.message, mask)
    if status >= 500:
        return BackendFailed(f"the upstream failed ({status}): {message}", retry_after=wait)
    if status == 404 and detail.code != "model_not_found":  # the client's: a model it named
        return BackendFailed(
            f"the upstream has no images API at the configured URL ({status}: "
            f"{message}); check MEMOAIZED_UPSTREAM_URL"
        )
    if status == 400 and detail.param in _WARM_START_FIELDS:
        return WarmStartRefused(f"the upstream refused the warm start: {message}")
    return UpstreamRejected(
        message,
        status_code=status,
        error_type=error_field(detail.type, mask) or "invalid_request_error",
        param=error_field(detail.param, mask),
        code=error_field(detail.code, mask),
        retry_after=wait,
    )
