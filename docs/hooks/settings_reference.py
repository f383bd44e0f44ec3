"""MkDocs hook: the configuration reference, generated from ``proxy.settings.Settings``.

``docs/configuration.md`` holds the placeholder below; at build time this hook puts in its place
a table with one row per field of ``Settings``, in the order they are declared: the option of
``memoaized serve``, the environment variable, the default and the field's help text. A setting
added to ``Settings`` is in the reference the next time the site is built, and the reference can
say nothing that ``Settings`` does not.
"""

from __future__ import annotations

import sys
from dataclasses import MISSING, Field, fields
from pathlib import Path
from typing import Any

PLACEHOLDER = "<!-- settings-reference -->"
REPOSITORY = Path(__file__).resolve().parents[2]

# Defaults that depend on the machine the site is built on, said the way they are worked out.
MACHINE_DEFAULTS = {
    "data_dir": "`$XDG_DATA_HOME/memoaized`, else `~/.local/share/memoaized`",
}


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Fill the placeholder of the configuration page; every other page passes unchanged."""
    if page.file.src_uri != "configuration.md":
        return markdown
    if PLACEHOLDER not in markdown:
        raise ValueError(f"configuration.md has lost its {PLACEHOLDER} placeholder")
    return markdown.replace(PLACEHOLDER, settings_table())


def settings_table() -> str:
    """The reference as a Markdown table, one row per setting."""
    # A checkout that is not installed into the running Python still builds its own reference.
    if str(REPOSITORY) not in sys.path:
        sys.path.insert(0, str(REPOSITORY))
    from proxy.settings import ENV_PREFIX, Settings

    rows = [
        "| option | environment variable | default | what it does |",
        "| --- | --- | --- | --- |",
    ]
    for f in fields(Settings):
        option = "--" + f.name.replace("_", "-")
        variable = ENV_PREFIX + f.name.upper()
        rows.append(f"| `{option}` | `{variable}` | {_default(f)} | {_cell(f.metadata['help'])} |")
    return "\n".join(rows)


def _default(f: Field[Any]) -> str:
    if f.name in MACHINE_DEFAULTS:
        return MACHINE_DEFAULTS[f.name]
    if f.default is not MISSING:
        value = f.default
    elif f.default_factory is not MISSING:
        value = f.default_factory()
    else:
        return "(required)"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if value == "":
        return "(empty)"
    shown = f"`{value}`"
    if f.name.endswith("_bytes") and isinstance(value, int) and value and value % 2**20 == 0:
        shown += f" ({value // 2**20} MiB)"
    return shown


def _cell(text: str) -> str:
    """Help text as one table cell, read as it is written.

    Outside code spans a pipe would end the cell and a `<` open an HTML tag, so both are escaped
    there; inside them Python-Markdown keeps both as they are, and would show an escape.
    """
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # the even parts lie outside code spans
        parts[i] = parts[i].replace("|", "\\|").replace("<", "&lt;")
    return "`".join(parts)
