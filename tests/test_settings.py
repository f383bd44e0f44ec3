"""Configuration: every option is an environment variable and a CLI flag (tests/test_docs.py
checks that each is in the configuration reference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxy.cli import build_parser
from proxy.settings import Settings


def test_environment_variables_fill_every_kind_of_field() -> None:
    settings = Settings.from_env(
        {
            "MEMOAIZED_PORT": "9100",
            "MEMOAIZED_THRESHOLD": "0.9",
            "MEMOAIZED_DATA_DIR": "/srv/cache",
            "MEMOAIZED_BACKEND": "openai",
            "MEMOAIZED_API_KEYS": "a, b",
            "MEMOAIZED_STORE_OPTIONS": "endpoint=http://x,region=r",
        }
    )
    assert settings.port == 9100 and settings.threshold == 0.9
    assert settings.data_dir == Path("/srv/cache") and settings.backend == "openai"
    assert settings.api_keys == "a, b"
    assert settings.store_option_map == {"endpoint": "http://x", "region": "r"}
    with pytest.raises(ValueError, match="MEMOAIZED_PORT"):
        Settings.from_env({"MEMOAIZED_PORT": "eighty"})


@pytest.mark.parametrize(
    "environ",
    [
        {"MEMOAIZED_THRESHOLD": "98"},
        {"MEMOAIZED_MIN_THRESHOLD": "0.99"},
        {"MEMOAIZED_THRESHOLD": "0"},
        {"MEMOAIZED_CANDIDATES": "0"},
    ],
)
def test_nonsense_settings_are_refused_at_start(environ: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Settings.from_env(environ)


def test_command_line_options_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from proxy.cli import _settings

    monkeypatch.setenv("MEMOAIZED_PORT", "9100")
    monkeypatch.setenv("MEMOAIZED_HOST", "0.0.0.0")
    args = build_parser().parse_args(
        [
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "8080",
            "--data-dir",
            "/tmp/x",
            "--backend",
            "diffusers",
            "--sd-model",
            "/models/tiny",
        ]
    )
    settings = _settings(args)
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.sd_model == "/models/tiny" and settings.data_dir == Path("/tmp/x")


def test_per_model_figures_are_parsed_and_checked_at_start() -> None:
    settings = Settings(model_energy_wh="sd-turbo=0.3, dall-e-3=4.5", prices="dall-e-3=0.04")
    assert settings.model_energy_map == {"sd-turbo": 0.3, "dall-e-3": 4.5}
    assert settings.price_map == {"dall-e-3": 0.04}
    assert Settings().price_map["dall-e-2"] == 0.02
    with pytest.raises(ValueError, match="prices: dall-e-3='free' is not a number"):
        Settings(prices="dall-e-3=free")
    with pytest.raises(ValueError, match="model_energy_wh: x=-1 is negative"):
        Settings(model_energy_wh="x=-1")
