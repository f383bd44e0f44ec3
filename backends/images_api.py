"""The OpenAI images API as data: request and response shapes, and the rules OpenAI applies to
each model family. Shared by the proxy, ``sd-server`` and the ``openai`` backend so that all three
speak exactly the same dialect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec

from backends.base import GenerationRequest

__all__ = [
    "ErrorBody",
    "ErrorDetail",
    "ImageData",
    "ImagesRequest",
    "ImagesResponse",
    "InvalidRequest",
    "ModelFamily",
    "decode_error",
    "family_for",
    "to_generation_request",
]

MEDIA_TYPES: Mapping[str, str] = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS: Mapping[str, str] = {media: ext for ext, media in MEDIA_TYPES.items()}


class ImagesRequest(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The body of ``POST /v1/images/generations``. Unknown fields are refused, as OpenAI does:
    a cache that ignored a parameter it does not know could serve an image made without it."""

    prompt: str
    model: str | None = None
    n: int | None = None
    size: str | None = None
    quality: str | None = None
    response_format: str | None = None
    style: str | None = None
    background: str | None = None
    moderation: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    user: str | None = None


class ImageData(msgspec.Struct, omit_defaults=True):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


class ImagesResponse(msgspec.Struct, omit_defaults=True):
    created: int
    data: list[ImageData]
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    background: str | None = None


class ErrorDetail(msgspec.Struct):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(msgspec.Struct):
    error: ErrorDetail


class InvalidRequest(Exception):
    """A request OpenAI would refuse with a 400 (a 404 for a model it does not have, as its API
    answers and its SDKs raise ``NotFoundError``); carries the offending parameter."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status_code: int = 400,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code or "invalid_value"
        self.status_code = status_code


_FIELD_PATH = re.compile(r"at `\$\.([A-Za-z_][A-Za-z0-9_]*)")
_MISSING = re.compile(r"missing required field `([^`]+)`")
_UNKNOWN = re.compile(r"unknown field `([^`]+)`")


def decode_error(error: msgspec.DecodeError) -> InvalidRequest:
    """Turn msgspec's decoding error into the message and parameter OpenAI would report."""
    text = str(error)
    if match := _MISSING.search(text):
        name = match.group(1)
        return InvalidRequest(
            f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter"
        )
    if match := _UNKNOWN.search(text):
        name = match.group(1)
        return InvalidRequest(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
    if match := _FIELD_PATH.search(text):
        name = match.group(1)
        detail = text.split(" - at ")[0]
        return InvalidRequest(
            f"Invalid type for '{name}': {detail}.", param=name, code="invalid_type"
        )
    if isinstance(error, msgspec.ValidationError):
        return InvalidRequest(f"Invalid request body: {text}.", code="invalid_type")
    return InvalidRequest(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
        code="invalid_json",
    )


_SIZE = re.compile(r"([1-9][0-9]{1,3})x([1-9][0-9]{1,3})", re.ASCII)
"""``WIDTHxHEIGHT`` in ASCII digits without leading zeros: one spelling per size, so one size is
one partition (Arabic-Indic digits, "0256x0256" and "256x256\n" are refused, not new partitions)."""


@dataclass(frozen=True, slots=True)
class ModelFamily:
    """What OpenAI accepts for one family of models. ``None`` in an allowed set means the
    parameter is not supported by the family at all."""

    name: str
    max_prompt_chars: int
    sizes: frozenset[str] | None
    """Allowed sizes, or None for free ``WxH`` sizes (multiples of 8, 64 to 2048) and ``auto``."""
    default_size: str
    max_n: int = 10
    qualities: frozenset[str] = frozenset({"standard"})
    default_quality: str = "standard"
    styles: frozenset[str] | None = None
    default_style: str | None = None
    backgrounds: frozenset[str] | None = None
    moderations: frozenset[str] | None = None
    output_formats: frozenset[str] = frozenset({"png"})
    default_response_format: str = "url"
    extra: Mapping[str, str] = field(default_factory=dict)

    def check_size(self, size: str) -> str:
        if self.sizes is not None:
            if size not in self.sizes:
                allowed = ", ".join(sorted(self.sizes))
                raise InvalidRequest(
                    f"Invalid value: '{shown(size)}'. Supported values for {self.name} are: "
                    f"{allowed}.",
                    param="size",
                )
            return size
        if size == "auto":
            return self.default_size
        match = _SIZE.fullmatch(size)
        if not match or not all(
            64 <= int(side) <= 2048 and int(side) % 8 == 0 for side in match.groups()
        ):
            raise InvalidRequest(
                f"Invalid value: '{shown(size)}'. Sizes for {self.name} are 'auto' or "
                "'WIDTHxHEIGHT' "
                "with each side a multiple of 8 between 64 and 2048.",
                param="size",
            )
        return size


_DALL_E_2 = ModelFamily(
    name="dall-e-2",
    max_prompt_chars=1000,
    sizes=frozenset({"256x256", "512x512", "1024x1024"}),
    default_size="1024x1024",
)
_DALL_E_3 = ModelFamily(
    name="dall-e-3",
    max_prompt_chars=4000,
    sizes=frozenset({"1024x1024", "1792x1024", "1024x1792"}),
    default_size="1024x1024",
    max_n=1,
    qualities=frozenset({"standard", "hd"}),
    styles=frozenset({"vivid", "natural"}),
    default_style="vivid",
)
_GPT_IMAGE = ModelFamily(
    name="gpt-image",
    max_prompt_chars=32000,
    sizes=frozenset({"1024x1024", "1536x1024", "1024x1536", "auto"}),
    default_size="auto",
    qualities=frozenset({"low", "medium", "high", "auto"}),
    default_quality="auto",
    backgrounds=frozenset({"transparent", "opaque", "auto"}),
    moderations=frozenset({"low", "auto"}),
    output_formats=frozenset({"png", "jpeg", "webp"}),
    default_response_format="b64_json",
)


KNOWN_MODELS = frozenset(
    {"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"}
)
"""OpenAI's image model names: label values that need no configuration."""


def family_for(model: str, *, default_size: str = "512x512") -> ModelFamily:
    """The rules for ``model``. Names that are not OpenAI's are local diffusion models: free
    sizes (``auto`` is ``default_size``), every output format, no transparent background."""
    if model == "dall-e-2":
        return _DALL_E_2
    if model == "dall-e-3":
        return _DALL_E_3
    if model.startswith("gpt-image"):
        return _GPT_IMAGE
    return ModelFamily(
        name=model,
        max_prompt_chars=4000,
        sizes=None,
        default_size=default_size,
        qualities=frozenset({"standard", "hd", "low", "medium", "high", "auto"}),
        default_quality="auto",
        styles=frozenset({"vivid", "natural"}),
        backgrounds=frozenset({"opaque", "auto"}),
        moderations=frozenset({"low", "auto"}),
        output_formats=frozenset({"png", "jpeg", "webp"}),
        default_response_format="b64_json",
    )


MAX_MODEL_CHARS = 256
"""Longest model name accepted (OpenAI's are under 40 characters)."""
MAX_USER_CHARS = 256
"""Longest ``user`` accepted: it is stored with every entry a request makes."""


def shown(value: str, limit: int = 48) -> str:
    """A client's value quoted back in an error message: at most ``limit`` characters, control
    characters escaped, so an error never repeats kilobytes or breaks a log line."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _choice(value: str | None, allowed: frozenset[str] | None, param: str, family: str) -> None:
    if value is None:
        return
    if allowed is None:
        raise InvalidRequest(f"'{param}' is not supported for model {family}.", param=param)
    if value not in allowed:
        options = ", ".join(f"'{v}'" for v in sorted(allowed))
        raise InvalidRequest(
            f"Invalid value: '{shown(value)}'. Supported values are: {options}.", param=param
        )


def check_cost(request: GenerationRequest, limit: int) -> None:
    """Refuse a request for more pixels than ``limit`` (width x height x n; 0: no limit): one
    such request would hold the generation slots for minutes while every other miss waits."""
    match = _SIZE.fullmatch(request.size)
    if not limit or match is None:  # "auto" stays the family's own
        return
    pixels = int(match.group(1)) * int(match.group(2)) * request.n
    if pixels > limit:
        raise InvalidRequest(
            f"This request asks for {pixels:,} pixels ({request.n} x {request.size}); this "
            f"proxy generates at most {limit:,} per request (--max-request-pixels). Ask for "
            "fewer or smaller images.",
            param="n" if request.n > 1 else "size",
            code="request_too_large",
        )


def to_generation_request(
    body: ImagesRequest, *, default_model: str, default_size: str = "512x512"
) -> tuple[GenerationRequest, str]:
    """Validate ``body`` as OpenAI would and fill in the family's defaults, so that two requests
    meaning the same thing become equal. Returns the request and its ``response_format``."""
    model = default_model if body.model is None else body.model
    if not model.strip():
        raise InvalidRequest("Invalid 'model': the model name must not be empty.", param="model")
    if len(model) > MAX_MODEL_CHARS or not model.isprintable():
        raise InvalidRequest(
            f"Invalid 'model': a model name has at most {MAX_MODEL_CHARS} printable characters.",
            param="model",
        )
    if body.user is not None and len(body.user) > MAX_USER_CHARS:
        raise InvalidRequest(
            f"Invalid 'user': string too long. Expected a string with maximum length "
            f"{MAX_USER_CHARS}, but got a string with length {len(body.user)} instead.",
            param="user",
            code="string_above_max_length",
        )
    family = family_for(model, default_size=default_size)
    prompt = body.prompt
    if not prompt.strip():
        raise InvalidRequest("Invalid prompt: the prompt must not be empty.", param="prompt")
    if len(prompt) > family.max_prompt_chars:
        raise InvalidRequest(
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{family.max_prompt_chars}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    n = 1 if body.n is None else body.n
    if not 1 <= n <= family.max_n:
        if family.max_n == 1:
            message = f"Invalid 'n': {family.name} supports only n=1."
        else:
            message = f"Invalid 'n': integer must be between 1 and {family.max_n}, got {n}."
        raise InvalidRequest(message, param="n")
    size = family.check_size(family.default_size if body.size is None else body.size)
    _choice(body.quality, family.qualities, "quality", family.name)
    _choice(body.style, family.styles, "style", family.name)
    _choice(body.background, family.backgrounds, "background", family.name)
    _choice(body.moderation, family.moderations, "moderation", family.name)
    _choice(body.output_format, family.output_formats, "output_format", family.name)
    _choice(body.response_format, frozenset({"url", "b64_json"}), "response_format", family.name)
    output_format = body.output_format or "png"
    background = body.background or ("auto" if family.backgrounds is not None else None)
    if background == "transparent" and output_format == "jpeg":
        raise InvalidRequest(
            "Transparent background requires output_format 'png' or 'webp'.", param="background"
        )
    if body.output_compression is not None:
        if not 0 <= body.output_compression <= 100:
            raise InvalidRequest(
                "Invalid 'output_compression': integer must be between 0 and 100.",
                param="output_compression",
            )
        if family.output_formats == frozenset({"png"}):
            raise InvalidRequest(
                f"'output_compression' is not supported for model {family.name}.",
                param="output_compression",
            )
    request = GenerationRequest(
        prompt=prompt,
        model=model,
        n=n,
        size=size,
        quality=body.quality or family.default_quality,
        style=body.style or family.default_style,
        background=background,
        moderation=body.moderation or ("auto" if family.moderations is not None else None),
        output_format=output_format,
        output_compression=body.output_compression,
        user=body.user,
    )
    return request, body.response_format or family.default_response_format
