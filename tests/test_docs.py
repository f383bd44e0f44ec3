"""The documentation: the site in docs/ builds with no broken link or anchor, its configuration
reference names every setting as `memoaized serve --help` does, and the README's links lead to
pages and headings that exist."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from proxy.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as `make docs` builds it: --strict makes every warning, a broken link or anchor
    included, a failed build."""
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        # Material prints a notice about its successor on every build; it says nothing about ours.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return out


def test_every_page_of_docs_is_built(site: Path) -> None:
    for page in sorted(DOCS.glob("*.md")):
        built = site / "index.html" if page.stem == "index" else site / page.stem / "index.html"
        assert built.is_file(), page.name


def _text(cell: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())


def test_the_configuration_reference_lists_every_setting(site: Path) -> None:
    page = (site / "configuration" / "index.html").read_text(encoding="utf-8")
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = [_text(c) for c in re.findall(r"<td>(.*?)</td>", row, flags=re.S)]
        if cells and cells[0].startswith("--"):
            rows[cells[0]] = cells
    for f in fields(Settings):
        option = "--" + f.name.replace("_", "-")
        assert option in rows, f"{option} is missing from docs/configuration.md"
        _, variable, default, help_text = rows[option]
        assert variable == f"{ENV_PREFIX}{f.name.upper()}"
        assert default, option
        # The help text reads on the page as it is written, code spans and all.
        assert help_text == " ".join(f.metadata["help"].replace("`", "").split()), option
    assert len(rows) == len(fields(Settings))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _headings(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {_slug(m) for m in re.findall(r"^#+\s+(.+)$", text, flags=re.M)}


def test_the_readme_links_lead_to_pages_and_headings_that_exist() -> None:
    text = re.sub(r"^```.*?^```", "", README.read_text(encoding="utf-8"), flags=re.S | re.M)
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert any(link.startswith("docs/") for link in local)
    for link in local:
        path, _, anchor = link.partition("#")
        target = (README.parent / path) if path else README
        assert target.exists(), link
        if anchor:
            assert anchor in _headings(target), link


def test_the_readme_commands_are_the_sites() -> None:
    """What the README shows a newcomer, the site's overview shows in the same words."""
    blocks = re.findall(r"^```.*?^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)
    overview = (DOCS / "index.md").read_text(encoding="utf-8")
    assert blocks
    for block in blocks:
        assert block in overview, block
