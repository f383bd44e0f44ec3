"""Request bodies in the OpenAPI schema (``/docs/openapi.json``).

Handlers decode their JSON bodies themselves, so that a bad body gets OpenAI's error shape and
wording; litestar therefore cannot see the body types. They are described here instead, from the
same msgspec structs the handlers decode: ``body_operation`` names a route's body, and
``body_schemas`` gives the schemas it refers to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.openapi.spec import OpenAPIMediaType, Operation, Reference, RequestBody
from litestar.openapi.spec import Schema as LitestarSchema

__all__ = ["body_operation", "body_schemas"]

_REF = "#/components/schemas/{name}"
# JSON Schema keywords msgspec emits, and litestar's names for them.
_KEYWORDS = {
    "anyOf": "any_of",
    "additionalProperties": "additional_properties",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
}
_PLAIN = {
    "type", "enum", "const", "minimum", "maximum", "required", "title", "description", "default",
    "format", "pattern",
}  # fmt: skip


def body_operation(kind: type[msgspec.Struct]) -> type[Operation]:
    """An operation class whose request body is ``kind``, as JSON."""

    @dataclass
    class WithBody(Operation):
        def __post_init__(self) -> None:
            schema = Reference(ref=_REF.format(name=kind.__name__))
            media = OpenAPIMediaType(schema=schema)
            self.request_body = RequestBody(content={"application/json": media}, required=True)

    return WithBody


def body_schemas(kinds: Iterable[type[msgspec.Struct]]) -> dict[str, Any]:
    """The component schemas of ``kinds`` and of everything they contain."""
    _, schemas = msgspec.json.schema_components(list(kinds), ref_template=_REF)
    return {name: _schema(node) for name, node in schemas.items()}


def _schema(node: dict[str, Any]) -> Any:
    if "$ref" in node:
        return Reference(ref=node["$ref"])
    fields: dict[str, Any] = {}
    for key, value in node.items():
        if key in _PLAIN:
            fields[key] = value
        elif key == "properties":
            fields["properties"] = {name: _schema(sub) for name, sub in value.items()}
        elif key == "items":
            fields["items"] = _schema(value)
        elif key == "anyOf":
            fields["any_of"] = [_schema(sub) for sub in value]
        elif key == "additionalProperties":
            fields[_KEYWORDS[key]] = value if isinstance(value, bool) else _schema(value)
        elif key in _KEYWORDS:
            fields[_KEYWORDS[key]] = value
    return LitestarSchema(**fields)
