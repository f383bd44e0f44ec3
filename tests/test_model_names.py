"""Model names: OpenAI's names as aliases of a local model, configured aliases, and the 404 for
a name nothing answers to (issue 16, item 1). Through the live proxy in tests/test_e2e_sdk.py."""

from __future__ import annotations

import pytest

from backends.images_api import KNOWN_MODELS, InvalidRequest
from backends.model_names import ModelNames
from proxy.settings import Settings


def test_a_local_backend_answers_openais_names_as_its_own_model() -> None:
    names = ModelNames.of(["sdxl-turbo"], "sdxl-turbo")
    assert set(names.aliases) == KNOWN_MODELS
    assert {names.resolve(name) for name in KNOWN_MODELS} == {"sdxl-turbo"}
    assert names.resolve("sdxl-turbo") == "sdxl-turbo"
    assert names.listing()[0] == "sdxl-turbo" and set(names.listing()[1:]) == KNOWN_MODELS


def test_configured_aliases_win_and_may_name_more() -> None:
    names = ModelNames.of(
        ["sd-1.5", "sdxl-turbo"], "sd-1.5", {"dall-e-3": "sdxl-turbo", "house-style": "sd-1.5"}
    )
    assert names.resolve("dall-e-3") == "sdxl-turbo"
    assert names.resolve("dall-e-2") == "sd-1.5"
    assert names.resolve("house-style") == "sd-1.5"
    assert names.describe("sd-1.5") == (
        "sd-1.5, sdxl-turbo; dall-e-2, gpt-image-1, gpt-image-1-mini, gpt-image-1.5, "
        "house-style -> sd-1.5; dall-e-3 -> sdxl-turbo"
    )


def test_a_served_model_keeps_its_own_name() -> None:
    """A backend started with --sd-model-name dall-e-2 serves dall-e-2 itself, not an alias."""
    names = ModelNames.of(["dall-e-2"], "dall-e-2")
    assert "dall-e-2" not in names.aliases and names.resolve("dall-e-2") == "dall-e-2"


def test_a_pass_through_backend_aliases_only_what_is_configured() -> None:
    names = ModelNames.of(None, "dall-e-2", {"house-style": "gpt-image-1"})
    assert names.resolve("dall-e-3") == "dall-e-3"  # the upstream decides
    assert names.resolve("house-style") == "gpt-image-1"
    assert names.listing("dall-e-2") == ["dall-e-2", "house-style"]
    assert names.describe("dall-e-2").startswith("what the upstream serves (default dall-e-2)")


def test_a_name_nothing_answers_to_is_a_404_naming_what_is_served() -> None:
    names = ModelNames.of(["tiny-sd"], "tiny-sd")
    with pytest.raises(InvalidRequest) as raised:
        names.resolve("midjourney-v6\n")
    error = raised.value
    assert (error.status_code, error.code, error.param) == (404, "model_not_found", "model")
    assert "'midjourney-v6\\n'" in error.message and "tiny-sd, dall-e-2" in error.message


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ({"dall-e-3": "sdxl"}, "serves only tiny-sd"),
        ({"tiny-sd": "dall-e-2"}, "a model this backend serves"),
    ],
)
def test_an_alias_that_cannot_work_stops_the_start(
    configured: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ModelNames.of(["tiny-sd"], "tiny-sd", configured)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dall-e-3", "is not alias=model"),
        ("dall-e-3=", "is not alias=model"),
        ("=sdxl", "is not alias=model"),
        ("a=a", "names itself"),
        ("a=x,a=y", "named twice"),
        ("a=b,b=c", "itself an alias"),
    ],
)
def test_malformed_aliases_are_refused_at_start(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(model_aliases=text)


def test_aliases_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"MEMOAIZED_MODEL_ALIASES": " dall-e-3 = sdxl-turbo , x=y "})
    assert settings.model_alias_map == {"dall-e-3": "sdxl-turbo", "x": "y"}
