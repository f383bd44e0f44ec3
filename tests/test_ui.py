"""The browser page: a client of the public API that shows the cache at work.

End to end in a real browser: Debian's ``chromium`` (``make test-tools`` installs it), driven by
Playwright through the system executable, against a live ``memoaized serve`` on loopback with
the tiny pipeline, the real embedding model and client keys of two tenants (``--sharing
tenant``). The main flow leaves a screenshot in ``$MEMOAIZED_TEST_ARTIFACTS`` (default
``tests/artifacts/``, ignored by git).

Over HTTP: what the page reads from the API (the savings headers, the threshold's range, and
the accounting behind them), and, with the in-process app, where the page is served. Those
routing tests do not start the app's lifespan: a static page needs neither the model nor the
index.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from playwright.sync_api import Locator, Page, expect, sync_playwright

from proxy.accounting import Accountant, CostModel
from proxy.api.ui import UI_DIR
from proxy.app import create_app
from proxy.auth import hash_key
from proxy.cache.results import CacheResult, CacheStatus, ServedImage
from proxy.metrics import Metrics
from proxy.settings import Settings
from tests.conftest import LOCAL_URL, LiveServer, cached_candidate, serve_tiny

KEYS = {tenant: f"ui-key-{tenant}-0123" for tenant in ("team-a", "team-b", "team-c")}
"""team-a runs the main flow, team-b never generates, team-c stores what the other tests need:
each test finds its own tenant's cache as it expects, in any order."""
PRICE = 0.04
"""What one tiny-sd image costs on the test proxy (``--prices``), so savings in money show."""

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
ARTIFACTS = Path(
    os.environ.get("MEMOAIZED_TEST_ARTIFACTS") or Path(__file__).parent / "artifacts"
).resolve()

# A prompt, a rewording the verifier serves from its image (as in test_e2e_sdk.py), and one
# about something else.
ORIGINAL = "a red fox sitting in the snow"
REWORDED = "a red fox sits in the snow"
UNRELATED = "a bowl of ramen with chopsticks"


def _chromium() -> str:
    """The system Chromium. Missing, the tests fail wherever it could have been installed
    (CI, or any machine with apt-get) and are skipped, saying why, only elsewhere."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    why = "Debian's chromium is not installed: `make test-tools` installs it"
    if os.environ.get("CI") or shutil.which("apt-get"):
        pytest.fail(why)
    pytest.skip(f"{why}, and this machine has no apt-get")


@pytest.fixture(scope="module")
def proxy(
    module_servers: Callable[..., LiveServer],
    tmp_path_factory: pytest.TempPathFactory,
    tiny_model_dir: Path,
) -> LiveServer:
    api_keys = ",".join(f"{tenant}:{hash_key(key)}" for tenant, key in KEYS.items())
    return module_servers(
        *serve_tiny(
            tmp_path_factory.mktemp("ui"),
            tiny_model_dir,
            "--api-keys", api_keys,
            "--sharing", "tenant",
            "--prices", f"tiny-sd={PRICE}",
        )
    )  # fmt: skip


@pytest.fixture
def page(request: pytest.FixtureRequest) -> Iterator[Page]:
    """A headless Chromium tab. On failure its last state is kept as a screenshot beside the
    main flow's. (Per test, not per module: while Playwright's sync API runs, its event loop is
    the thread's, and the async tests of this module need theirs.)"""
    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        tab = browser.new_page(viewport={"width": 1280, "height": 1000})
        # Actions and assertions wait up to 30 s: a generation on a busy 2-core machine can
        # take longer than Playwright's default 5 s for an assertion.
        tab.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        failure = ARTIFACTS / f"{request.node.name}-failed.png"
        failure.unlink(missing_ok=True)  # from an earlier run
        failed_before = request.session.testsfailed
        yield tab
        if request.session.testsfailed > failed_before:  # this test failed: keep what it saw
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=failure, full_page=True)
        browser.close()


def _use_key(page: Page, key: str) -> None:
    page.get_by_label("Key", exact=True).fill(key)
    page.get_by_role("button", name="Use this key").click()


def _generate(page: Page, prompt: str) -> Locator:
    """Submit ``prompt``; the locator of its result, once it has arrived."""
    results = page.locator("#results > li")
    before = results.count()
    page.get_by_label("Prompt").fill(prompt)
    page.get_by_role("button", name="Generate").click()
    expect(results).to_have_count(before + 1)
    return results.first


def _fact(result: Locator, name: str) -> Locator:
    return result.locator(f"dd.{name}")


def _watch_progress(page: Page) -> None:
    """Record whether the progress line and a disabled button are ever shown: a generation on
    the tiny pipeline is over too soon to look at them while it runs."""
    page.evaluate(
        """() => {
          window.progressSeen = false;
          const progress = document.getElementById("progress");
          const button = document.getElementById("generate");
          new MutationObserver(() => {
            if (!progress.hidden && button.disabled) window.progressSeen = true;
          }).observe(document.body, { attributes: true, subtree: true });
        }"""
    )


@pytest.mark.slow
def test_the_page_shows_hits_fresh_generations_the_dial_and_the_gallery(
    proxy: LiveServer, page: Page
) -> None:
    page.goto(proxy.url + "/")
    # Keys are configured and none is entered yet: the API's 401, readably.
    expect(page.get_by_role("alert")).to_contain_text("401")
    _use_key(page, KEYS["team-a"])
    expect(page.locator("#error")).to_be_hidden()
    expect(page.get_by_label("Model")).to_have_value("tiny-sd")
    # The notice names options as code, not as markdown's backticks (issue 16, item 7).
    notice = page.locator("#notice")
    expect(notice).to_contain_text("The configured --sd-model is the tiny random-weight demo")
    expect(notice.locator("code").first).to_have_text("--sd-model")
    assert "`" not in notice.inner_text()
    # OpenAI's names are offered too, saying which model makes their images.
    expect(page.get_by_label("Model").locator("option", has_text="dall-e-3")).to_have_text(
        "dall-e-3 (tiny-sd)"
    )
    expect(page.locator("#threshold-value")).to_have_text("0.75")  # the proxy's own threshold
    page.get_by_label("Size").select_option("256x256")

    _watch_progress(page)
    miss = _generate(page, ORIGINAL)
    assert page.evaluate("window.progressSeen") is True
    expect(miss.locator(".outcome")).to_have_text("Miss: generated")
    expect(_fact(miss, "saved")).to_have_text("0 Wh, 0 s, $0.00")
    _generate(page, UNRELATED)

    hit = _generate(page, REWORDED)
    expect(hit.locator(".outcome")).to_have_text("Semantic hit")
    expect(_fact(hit, "similarity")).to_have_text(re.compile(r"0\.9\d{3}"))
    expect(_fact(hit, "made-for")).to_have_text(ORIGINAL)
    expect(_fact(hit, "time")).to_have_text(re.compile(r"\d+ ms|\d+\.\d\d s"))
    expect(_fact(hit, "saved")).to_have_text(re.compile(rf"2\.90 Wh, .+, \${PRICE:.2f}"))
    # The same image, through a URL signed for this tenant that <img> loads without a key.
    sources = [r.locator("img").get_attribute("src") or "" for r in (hit, miss)]
    assert urlsplit(sources[0]).path == urlsplit(sources[1]).path
    assert hit.locator("img").evaluate("img => img.complete && img.naturalWidth") == 256
    expect(page.locator("#total-energy")).to_have_text("2.90 Wh")
    expect(page.locator("#total-money")).to_have_text(f"${PRICE:.2f}")
    expect(page.locator("#total-requests")).to_have_text("3, 1 from the cache")

    page.get_by_label("Always fresh").check()
    fresh = _generate(page, ORIGINAL)
    expect(fresh.locator(".outcome")).to_have_text(re.compile("^Fresh generation"))
    expect(_fact(fresh, "saved")).to_have_text("0 Wh, 0 s, $0.00")
    page.get_by_label("Always fresh").uncheck()

    page.get_by_label(re.compile("^Similarity threshold")).fill("1")
    expect(page.locator("#threshold-value")).to_have_text("1.00")
    strict = _generate(page, REWORDED)
    # Not served: generated, as a warm start from the fox's image (similarity 0.99, in the band).
    expect(strict).to_have_attribute("data-outcome", "warm")
    expect(strict.locator(".outcome")).to_contain_text("a miss")
    expect(page.locator("#total-requests")).to_have_text("5, 1 from the cache")

    page.get_by_label("Search by meaning").fill("a fox in winter")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#gallery-status")).to_contain_text("Nearest in meaning")
    entries = page.locator("#gallery > li")
    expect(entries.first).to_contain_text("fox")
    expect(entries.first).to_contain_text(re.compile(r"similarity 0\.\d{4}"))
    expect(entries.last).to_contain_text(UNRELATED)
    # Search results are in no order of the buttons': neither says it is shown.
    for order in ("Most recent", "Most reused"):
        expect(page.get_by_role("button", name=order)).to_have_attribute("aria-pressed", "false")
    # Each tile has its size before its image loads, and none waits to be scrolled to.
    tile = entries.first.locator("img")
    assert (tile.get_attribute("width"), tile.get_attribute("height")) == ("256", "256")
    assert tile.get_attribute("loading") is None

    page.get_by_role("button", name="Most reused").click()
    expect(page.get_by_role("button", name="Most reused")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#gallery-status")).to_have_text("Most reused first.")
    expect(entries.first).to_contain_text(ORIGINAL)
    expect(entries.first).to_contain_text("1 hit")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "ui-main-flow.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_errors_read_well_and_each_key_sees_its_own_tenant(proxy: LiveServer, page: Page) -> None:
    prompt = "a lighthouse on a cliff at dusk, for team c only"
    with httpx.Client(base_url=proxy.url, timeout=60) as http:
        made = http.post(
            "/v1/images/generations",
            json={"prompt": prompt, "size": "256x256", "response_format": "url"},
            headers={"Authorization": f"Bearer {KEYS['team-c']}"},
        )
        assert made.status_code == 200, made.text

    page.goto(proxy.url + "/")
    _use_key(page, "not-a-key-of-this-proxy")
    error = page.get_by_role("alert")
    expect(error).to_have_text(
        "401 Unauthorized: Incorrect API key provided. (code invalid_api_key)"
    )
    assert "not-a-key" not in error.inner_text()
    # The key is kept for this tab only.
    assert page.evaluate("sessionStorage.getItem('memoaized.api-key')") == "not-a-key-of-this-proxy"

    _use_key(page, KEYS["team-b"])
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#gallery-status")).to_have_text("Nothing cached that this key may see.")
    page.get_by_label("Search by meaning").fill("lighthouse")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#gallery-status")).to_have_text("Nothing cached that this key may see.")
    _use_key(page, KEYS["team-c"])
    expect(page.locator("#gallery > li").first).to_contain_text(prompt)

    page.route("**/v1/images/generations", lambda route: route.abort())
    page.get_by_label("Prompt").fill("a lighthouse in fog")
    page.get_by_role("button", name="Generate").click()
    expect(error).to_contain_text("Cannot reach the proxy")
    expect(page.get_by_role("button", name="Generate")).to_be_enabled()
    page.unroute("**/v1/images/generations")

    page.get_by_label("Prompt").fill("fog " * 1001)  # over 4,000 characters: the API's 400
    page.get_by_role("button", name="Generate").click()
    expect(error).to_contain_text("400 Bad Request:")
    expect(error).to_contain_text("parameter prompt")


@pytest.mark.slow
def test_the_api_tells_clients_what_each_answer_saved_and_the_thresholds_range(
    proxy: LiveServer,
) -> None:
    headers = {"Authorization": f"Bearer {KEYS['team-c']}"}
    with httpx.Client(base_url=proxy.url, headers=headers, timeout=60) as http:
        note = http.get("/v1/models").json()["data"][0]["memoaized"]
        assert (note["threshold"], note["min_threshold"]) == (0.75, 0.7)

        def generate(prompt: str, **cache: Any) -> httpx.Headers:
            body: dict[str, Any] = {"prompt": prompt, "size": "256x256", "cache": cache}
            response = http.post("/v1/images/generations", json=body)
            assert response.status_code == 200, response.text
            return response.headers

        def saved(answer: httpx.Headers) -> list[float]:
            names = ("energy-wh", "seconds", "usd")
            return [float(answer[f"x-cache-saved-{name}"]) for name in names]

        miss = generate("a green tractor in a wheat field")
        assert miss["x-cache"] == "MISS" and saved(miss) == [0.0, 0.0, 0.0]
        hit = generate("A green tractor in a wheat field.")
        energy, seconds, usd = saved(hit)
        assert hit["x-cache-match"] == "exact"
        assert (energy, usd) == (2.9, PRICE) and seconds > 0  # the estimate, the price, the time
        warm = generate("a green tractor standing in a wheat field", threshold=1.0)
        assert warm["x-cache"] == "MISS" and warm["x-cache-match"] == "warm"
        energy, seconds, usd = saved(warm)
        assert energy > 0 and seconds > 0 and usd == 0.0  # skipped steps; the price was paid


def test_savings_are_the_metrics_own_figures_for_one_request() -> None:
    """What the headers say a request saved is what it adds to the metrics, plus, for a warm
    start, its skipped steps at the cost per step run."""
    metrics = Metrics()
    accountant = Accountant(metrics, CostModel(energy_wh_per_image=2.9, prices={"tiny-sd": 0.04}))
    entry = cached_candidate("a red fox sitting in the snow", 0.95).entry  # 1 s, 1 Wh
    hit = ServedImage("image/png", None, "b" * 64, entry, "semantic", 0.95, entry.prompt)
    warm = ServedImage(
        "image/png", b"", None, None, None, None, None,
        generation_seconds=0.2, energy_wh=2.9, steps_run=4, steps_skipped=4,
    )  # fmt: skip
    saved = accountant.record(CacheResult(CacheStatus.PARTIAL, (hit, warm)), "tiny-sd", 0.25)
    assert saved.energy_wh == pytest.approx(1.0 + 2.9)
    assert saved.usd == pytest.approx(0.04)
    assert saved.seconds == pytest.approx((1.0 - (0.25 - 0.2)) + 0.2)
    value = metrics.registry.get_sample_value
    energy = value("memoaized_energy_saved_wh_total", {"source": entry.energy_source})
    assert energy == pytest.approx(1.0)  # the hit's; the warm start's is counted by the cache
    assert value("memoaized_latency_saved_seconds_total") == pytest.approx(0.95)
    assert value("memoaized_money_saved_usd_total") == pytest.approx(0.04)


def _app(**settings: Any) -> AsyncTestClient[Litestar]:
    return AsyncTestClient(create_app(Settings(**settings)), base_url=LOCAL_URL)


async def test_the_page_and_its_files_are_served_with_their_types(tmp_path: Path) -> None:
    client = _app(data_dir=tmp_path)
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"  # signed image URLs stay here
    assert 'src="app.js"' in page.text and 'href="style.css"' in page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)  # nothing from elsewhere
    for name, media_type in (("app.js", "text/javascript"), ("style.css", "text/css")):
        served = await client.get(f"/{name}")
        assert served.status_code == 200
        assert served.headers["content-type"] == f"{media_type}; charset=utf-8"
        assert served.headers["cache-control"] == "no-cache"
    # The API around it is untouched, and what is neither is OpenAI's 404.
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/docs")).status_code == 200
    wrong_method = await client.get("/v1/images/generations")
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    missing = await client.get("/nothing-here.js")
    assert missing.status_code == 404 and "error" in missing.json()
    # Only the page's three files: no catch-all that turns a wrong URL into a 405 or a 500.
    for method, path in (("POST", "/images/generations"), ("GET", "/%00"), ("GET", "/..%2f")):
        answer = await client.request(method, path)
        assert answer.status_code == 404 and "error" in answer.json(), path
    copy = await client.get("/index.html")  # the page under its file name: the same headers
    assert "frame-ancestors 'none'" in copy.headers["content-security-policy"]


async def test_the_page_moves_and_switches_off(tmp_path: Path) -> None:
    moved = _app(data_dir=tmp_path, ui_path="/try")
    assert (await moved.get("/")).status_code == 404
    redirect = await moved.get("/try", follow_redirects=False)
    assert redirect.status_code == 308 and redirect.headers["location"] == "/try/"
    assert (await moved.get("/try/")).headers["content-type"].startswith("text/html")
    assert (await moved.get("/try/app.js")).status_code == 200

    off = _app(data_dir=tmp_path, ui=False)
    for path in ("/", "/app.js", "/index.html"):
        assert (await off.get(path)).status_code == 404, path
    assert (await off.get("/healthz")).status_code == 200


@pytest.mark.parametrize("path", ["/v1", "/v1/ui", "/docs", "/metrics/page", "/healthz", "try"])
def test_the_page_may_not_hide_the_api(path: str) -> None:
    with pytest.raises(ValueError, match="ui_path"):
        Settings(ui_path=path)


def test_every_file_of_the_page_ships_in_the_package() -> None:
    patterns = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"]["proxy"]
    for file in UI_DIR.iterdir():
        name = file.relative_to(UI_DIR.parent).as_posix()
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
