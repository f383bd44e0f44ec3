"""A local diffusers pipeline as an image backend: Stable Diffusion (or any text-to-image
pipeline diffusers can load) on CUDA, Apple silicon or the CPU.

torch and diffusers are heavy and optional (the ``sd`` extra); they are imported in
:meth:`DiffusersBackend.start`, never at import time, so that the proxy runs without them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import io
import logging
import re
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backends.base import (
    BackendFailed,
    BackendUnavailable,
    GeneratedImage,
    Generation,
    GenerationRequest,
    GenerationTimedOut,
    ImageBackend,
    WarmStartRefused,
)
from backends.energy import EnergyMeter
from backends.images_api import MEDIA_TYPES, InvalidRequest
from backends.pipelines import (
    best_device,
    compile_denoiser,
    default_name,
    energy_meter,
    folder_classes,
    model_source,
    native_size,
)
from backends.profiles import PROFILES, ModelProfile, detect_profile
from backends.tiny import TINY_NATIVE_SIZE, is_tiny_pipeline

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["DTYPES", "DiffusersBackend", "encode_image"]

log = logging.getLogger(__name__)

DTYPES = ("float16", "bfloat16", "float32")
"""The weight precisions the backend accepts, by torch's names."""

_FALLBACK_SIZE = "512x512"
"""Stable Diffusion 1.x's native size: ``default_size`` before a pipeline is loaded."""

_OPENAI_DEFAULT_QUALITY = 100
"""OpenAI's default ``output_compression`` for jpeg and webp."""

_SIZE = re.compile(r"^(\d+)x(\d+)$")
_SEED_SPACE = 2**64
"""torch generators take 64-bit seeds; ``seed + i`` wraps around within them."""

_EXTRA_HINT = "pip install 'memoaized[sd]'"


class DiffusersBackend(ImageBackend):
    """Generates images with one diffusers pipeline loaded in this process.

    Promises: the event loop never waits on the pipeline (it runs in a worker thread); the
    pipeline runs one call at a time, and requests that wait for it together (same size, from
    noise, no seed) share its next call, up to ``max_batch`` images (micro-batching: on a GPU a
    batch of four costs far less than four calls); a request with a seed gives the same bytes
    every time on the same machine, because image ``i`` is drawn from ``seed + i`` with a CPU
    generator, whatever the device, and it always runs alone (a batch's arithmetic differs in
    the last bits). A request with ``init_image`` (a warm start) runs image-to-image over the
    same weights, alone.
    """

    name = "diffusers"
    generates_here = True

    def __init__(
        self,
        *,
        model: str,
        model_name: str | None = None,
        device: str | None = None,
        dtype: str | None = None,
        profile: str | None = None,
        steps: int | None = None,
        guidance_scale: float | None = None,
        default_size: str | None = None,
        max_batch: int = 4,
        compile: bool = False,
        warm_up: bool = True,
        timeout: float | None = None,
    ) -> None:
        """Configure, load nothing (that is :meth:`start`'s job).

        ``model`` is a local pipeline folder or a hub id; ``model_name`` the name requests use
        (default: the folder's name, or the id). ``device`` and ``dtype`` default to the best
        available: ``cuda`` with float16, then ``mps``, then ``cpu``, both with float32.
        ``profile`` names one of :data:`~backends.profiles.PROFILES` (``sd-turbo``, ``lcm``...);
        by default it is detected from the model's name, pipeline and scheduler. ``steps`` and
        ``guidance_scale`` override the profile's. ``default_size`` (``WxH``, used for
        ``size=auto`` and for requests naming no size) defaults to the pipeline's native size.
        ``max_batch``: concurrent compatible requests (same size, from noise) are generated
        together in one pipeline call of up to this many images (1: never batched).
        ``compile``: the denoiser runs through ``torch.compile`` (compiled by the warm-up, and
        again for each new batch shape; worth it on a GPU serving many requests).
        ``warm_up``: :meth:`start` ends with one small generation, so that the first request
        does not pay for kernels, caches and lazy initialisation.
        ``timeout``: seconds one pipeline call may run; past them it stops at its next
        denoising step and its requests fail with ``GenerationTimedOut`` (None: no limit).
        """
        if profile is not None and profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
        if dtype is not None and dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
        if steps is not None and steps < 1:
            raise ValueError(f"steps must be at least 1, not {steps}")
        if guidance_scale is not None and guidance_scale < 0:
            raise ValueError(f"guidance_scale must not be negative, not {guidance_scale}")
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        if default_size is not None and not _SIZE.match(default_size):
            raise ValueError(f"default_size must look like 512x512, not {default_size!r}")
        self._model = model
        self._model_name = model_name or default_name(model)
        self._requested_device = device
        self._requested_dtype = dtype
        self._requested_profile = profile
        self._requested_steps = steps
        self._requested_guidance = guidance_scale
        self._placeholder = False
        self._profile = PROFILES["sd"]
        self._choose_profile(*folder_classes(self._model))
        self._compile = compile
        self._timeout = timeout
        self._requested_size = default_size
        self._pipeline: Any = None
        self._image_to_image: Any = None
        self._device: str | None = None
        self._dtype: str | None = None
        self._native_size: str | None = None
        self._meter = EnergyMeter.disabled()
        # The asyncio lock queues callers without tying up worker threads. The thread lock is
        # the guarantee: a cancelled caller releases the asyncio lock while its worker thread,
        # which cannot be stopped, still holds the pipeline.
        self._queue = asyncio.Lock()
        self._pipeline_guard = threading.Lock()
        self.max_batch = max_batch
        self._warm_up = warm_up
        self.warm_up_seconds: float | None = None
        """How long the warm-up generation took, once :meth:`start` ran it."""
        self._waiting: list[_Job] = []
        self._draining: asyncio.Task[None] | None = None
        self.pipeline_calls = 0
        """Pipeline calls made: fewer than generations when requests were batched."""

    def _choose_profile(self, pipeline_class: str, scheduler_class: str) -> None:
        """Whether the model is the tiny placeholder pipeline, and its profile: the configured
        one, or the one its name and classes suggest. Chosen again from the loaded pipeline at
        :meth:`start` (the folder may be written in between: the proxy writes its demo pipeline
        on first use)."""
        self._placeholder = is_tiny_pipeline(Path(self._model).expanduser())
        if self._requested_profile is not None:
            self._profile = PROFILES[self._requested_profile]
        else:
            self._profile = detect_profile(
                f"{self._model} {self._model_name}",  # a snapshot folder may say nothing
                pipeline_class=pipeline_class,
                scheduler_class=scheduler_class,
                placeholder=self._placeholder,
            )
        self._steps = self._requested_steps or self._profile.steps
        self._guidance_scale = (
            self._requested_guidance
            if self._requested_guidance is not None
            else self._profile.guidance_scale
        )

    # -- what it serves --------------------------------------------------------------------

    @property
    def default_model(self) -> str:
        return self._model_name

    def served_models(self) -> Sequence[str]:
        return [self._model_name]

    @property
    def placeholder(self) -> bool:
        return self._placeholder

    @property
    def ready(self) -> bool:
        """True once :meth:`start` has loaded the pipeline, until :meth:`close`."""
        return self._pipeline is not None

    @property
    def steps(self) -> int:
        """Denoising steps of a generation from noise."""
        return self._steps

    @property
    def profile(self) -> ModelProfile:
        """How the model is run: its family's steps, guidance and scheduler."""
        return self._profile

    @property
    def warm_starts(self) -> bool:
        """Image-to-image runs a fraction of the steps; a one-step model has none to skip."""
        return self._steps >= 2

    @property
    def default_size(self) -> str:
        """The ``WxH`` used for ``size=auto`` and requests with no size: the configured one,
        else the loaded pipeline's native size. Before :meth:`start` an unconfigured size is
        the tiny pipeline's 256x256, or 512x512 for any other model."""
        if self._requested_size is not None:
            return self._requested_size
        if self._native_size is not None:
            return self._native_size
        if self._placeholder:
            return f"{TINY_NATIVE_SIZE}x{TINY_NATIVE_SIZE}"
        return _FALLBACK_SIZE

    def describe(self) -> str:
        device = self._device or self._requested_device or "auto"
        dtype = self._dtype or self._requested_dtype or "auto"
        guidance = "" if self._guidance_scale is None else f", guidance {self._guidance_scale:g}"
        text = (
            f"diffusers: {self._model_name} from {self._model} on {device} ({dtype}), "
            f"{self._profile.name} profile, {self._steps} step{'s' * (self._steps != 1)}"
            f"{guidance}"
        )
        if self._compile:
            text += ", torch.compile"
        if self._placeholder:
            text += ", placeholder pipeline with random weights (its images are noise)"
        return text

    def check_warm_start(self, strength: float | None) -> float:
        """The strength a warm start runs at (0.6 when not given). Raises ``WarmStartRefused``
        when it leaves no step to run: image-to-image runs ``int(steps x strength)`` steps."""
        strength = 0.6 if strength is None else strength
        if not 0.0 < strength <= 1.0:
            raise WarmStartRefused(f"a warm start's strength must be in (0, 1], not {strength}")
        if int(self._steps * strength) < 1:
            raise WarmStartRefused(
                f"a warm start at strength {strength} of {self._steps} steps runs no step: "
                f"{self._model_name!r} takes strengths of at least {1 / self._steps:.3g}"
            )
        return strength

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the pipeline onto its device (in a worker thread: loading takes seconds to
        minutes). Raises ``BackendUnavailable`` naming the missing extra, folder or model."""
        async with self._queue:
            if self._pipeline is not None:
                return
            await asyncio.to_thread(self._load)
        log.info("loaded %s", self.describe())
        if self._warm_up:
            started = time.perf_counter()
            warm_up = GenerationRequest(prompt="warm-up", model=self._model_name, seed=0)
            # No deadline: the first call compiles kernels (and, with --sd-compile, the model).
            timeout, self._timeout = self._timeout, None
            try:
                await self.generate(dataclasses.replace(warm_up, size=self.default_size))
            except BaseException:
                await self.close()  # a pipeline that cannot generate is not started
                raise
            finally:
                self._timeout = timeout
            self.warm_up_seconds = time.perf_counter() - started
            log.info("warmed up with one generation in %.2f s", self.warm_up_seconds)

    async def close(self) -> None:
        """Drop the pipeline and free its device memory; waits for a running generation."""
        async with self._queue:
            pipeline, self._pipeline = self._pipeline, None
            self._image_to_image = None
            self._meter.close()
            self._meter = EnergyMeter.disabled()
            if pipeline is not None and (self._device or "").startswith("cuda"):
                del pipeline
                import torch

                torch.cuda.empty_cache()

    def _load(self) -> None:
        try:
            import torch

            # diffusers is only partly annotated: typed as Any, its calls pass strict mypy.
            diffusers: Any = importlib.import_module("diffusers")
        except ImportError as exc:
            raise BackendUnavailable(
                f"the diffusers backend needs torch and diffusers ({exc.name} is missing): "
                f"{_EXTRA_HINT}"
            ) from exc
        source = model_source(self._model)
        device = self._requested_device or best_device(torch)
        dtype = self._requested_dtype or ("float16" if device.startswith("cuda") else "float32")
        try:
            pipeline = diffusers.AutoPipelineForText2Image.from_pretrained(
                source, dtype=getattr(torch, dtype)
            )
            pipeline = pipeline.to(device)
        except Exception as exc:
            raise BackendUnavailable(
                f"could not load the diffusers pipeline {self._model!r} onto {device}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        pipeline.set_progress_bar_config(disable=True)
        self._choose_profile(type(pipeline).__name__, type(pipeline.scheduler).__name__)
        scheduler = self._profile.scheduler
        if scheduler is not None and type(pipeline.scheduler).__name__ != scheduler:
            pipeline.scheduler = getattr(diffusers, scheduler).from_config(
                pipeline.scheduler.config
            )
        if self._compile:
            compile_denoiser(torch, pipeline)
        self._device, self._dtype = device, dtype
        self._native_size = native_size(pipeline)
        if device.startswith("cuda"):
            self._meter = energy_meter(torch, device)
        self._pipeline = pipeline

    # -- generation --------------------------------------------------------------------------

    async def generate(self, request: GenerationRequest) -> Generation:
        """Run the pipeline for ``request`` and encode its images. Raises ``InvalidRequest`` for
        a size or format the pipeline cannot produce, ``BackendUnavailable`` before
        :meth:`start`, ``BackendFailed`` when the pipeline itself fails."""
        width, height = self._dimensions(request.size)
        if request.output_format not in MEDIA_TYPES:
            raise InvalidRequest(
                f"Invalid value: '{request.output_format}'. Supported values are: "
                f"{', '.join(repr(f) for f in MEDIA_TYPES)}.",
                param="output_format",
            )
        if request.init_image is not None:
            self.check_warm_start(request.strength)
        seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
        job = _Job(request, width, height, seed, asyncio.get_running_loop().create_future())
        self._waiting.append(job)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        try:
            return await asyncio.shield(job.done)
        except asyncio.CancelledError:
            job.abandoned = True  # a job nobody waits for is dropped, or its pipeline stopped
            if job in self._waiting:
                self._waiting.remove(job)
                job.done.cancel()
            raise

    async def _drain(self) -> None:
        """Run the waiting jobs, the first one together with every waiting job compatible with
        it (same size, from noise) up to ``max_batch`` images: requests that arrive while the
        pipeline is busy share its next call, and nothing waits for a batch to fill."""
        while self._waiting:
            batch = _compatible(self._waiting, self.max_batch)
            for job in batch:
                self._waiting.remove(job)
            try:
                results = await self._run(batch)
            except BaseException as error:
                for job in batch:
                    if job.abandoned:
                        job.done.cancel()  # nobody is left to read the error
                    elif not job.done.done():
                        job.done.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            for job, generation in zip(batch, results, strict=True):
                if not job.done.done():
                    job.done.set_result(generation)

    async def _run(self, batch: list[_Job]) -> list[Generation]:
        """One pipeline call for ``batch``; each job's share of its time and energy."""
        async with self._queue:
            pipeline = self._pipeline
            if pipeline is None:
                raise BackendUnavailable("the diffusers pipeline is not loaded (start() first)")
            started = time.perf_counter()
            with self._meter.measure() as energy:
                images, steps = await asyncio.to_thread(self._generate_blocking, pipeline, batch)
            seconds = time.perf_counter() - started
        total = sum(job.request.n for job in batch)
        results, start = [], 0
        for job in batch:
            share = job.request.n / total
            results.append(
                Generation(
                    images=images[start : start + job.request.n],
                    seconds=seconds * share,
                    energy_wh=None if energy.energy_wh is None else energy.energy_wh * share,
                    steps=steps,
                    full_steps=self._steps,
                    batch_images=total,
                )
            )
            start += job.request.n
        return results

    def _dimensions(self, size: str) -> tuple[int, int]:
        match = _SIZE.match(self.default_size if size == "auto" else size)
        if not match:
            raise InvalidRequest(f"Invalid value: '{size}'. Expected 'WIDTHxHEIGHT'.", param="size")
        width, height = int(match.group(1)), int(match.group(2))
        multiple = 8
        if self._pipeline is not None:
            multiple = int(getattr(self._pipeline, "vae_scale_factor", multiple))
        if width % multiple or height % multiple or not width or not height:
            raise InvalidRequest(
                f"Invalid value: '{size}'. Both sides must be positive multiples of {multiple}.",
                param="size",
            )
        return width, height

    def _generate_blocking(
        self, pipeline: Any, batch: list[_Job]
    ) -> tuple[tuple[GeneratedImage, ...], int]:
        """The worker-thread half of :meth:`generate`: denoise, decode, encode, for every job
        of ``batch`` in one pipeline call. Returns the images in job order and the denoising
        steps each ran (counted by the pipeline's step callback)."""
        import torch

        request, width, height = batch[0].request, batch[0].width, batch[0].height
        # CPU generators make a seed mean the same latents on every device.
        generators = [
            torch.Generator(device="cpu").manual_seed((job.seed + i) % _SEED_SPACE)
            for job in batch
            for i in range(job.request.n)
        ]
        prompts = [job.request.prompt for job in batch for _ in range(job.request.n)]
        options: dict[str, Any] = {"width": width, "height": height}
        if self._guidance_scale is not None:
            options["guidance_scale"] = self._guidance_scale
        steps = 0
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        timed_out = False

        abandoned = False

        def count(pipe: Any, _step: int, _timestep: Any, kwargs: dict[str, Any]) -> Any:
            nonlocal steps, timed_out, abandoned
            steps += 1
            if deadline is not None and time.monotonic() > deadline:
                timed_out = True
            abandoned = all(job.abandoned for job in batch)
            if timed_out or abandoned:
                pipe._interrupt = True  # diffusers' own flag: the remaining steps are skipped
            return kwargs

        with self._pipeline_guard:
            if request.init_image is not None:
                pipeline = self._warm_pipeline(pipeline)
                del options["width"], options["height"]  # the image's own size, resized to fit
                options["image"] = _decode(request.init_image, width, height)
                options["strength"] = self.check_warm_start(request.strength)
            try:
                self.pipeline_calls += 1
                if len(batch) == 1:  # as a lone request always ran: one prompt, n images
                    options.update(prompt=request.prompt, num_images_per_prompt=request.n)
                else:
                    options["prompt"] = prompts
                result = pipeline(
                    num_inference_steps=self._steps,
                    generator=generators,
                    output_type="pil",
                    callback_on_step_end=count,
                    **options,
                )
            except Exception as exc:
                raise BackendFailed(
                    f"the diffusers pipeline {self._model_name!r} failed on {self._device}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
        if abandoned and not timed_out:
            log.info(
                "stopped a generation after %d of %d steps: every request for it went away",
                steps,
                self._steps,
            )
            raise BackendFailed("every request for this generation went away")
        if timed_out:
            raise GenerationTimedOut(
                f"the generation ran past {self._timeout:g} s (--generation-timeout) and was "
                f"stopped after {steps} of {self._steps} steps"
            )
        pictures: list[Image] = list(getattr(result, "images", None) or [])
        if len(pictures) != len(prompts):
            raise BackendFailed(
                f"the diffusers pipeline {self._model_name!r} returned {len(pictures)} "
                f"images instead of {len(prompts)}"
            )
        owners = [job.request for job in batch for _ in range(job.request.n)]
        images = tuple(
            GeneratedImage(
                data=encode_image(picture, owner.output_format, owner.output_compression),
                media_type=MEDIA_TYPES[owner.output_format],
            )
            for picture, owner in zip(pictures, owners, strict=True)
        )
        return images, steps

    def _warm_pipeline(self, pipeline: Any) -> Any:
        """The image-to-image pipeline over the loaded one's components (no second copy of the
        weights), made on first use. Called with the pipeline guard held."""
        if self._image_to_image is None:
            diffusers: Any = importlib.import_module("diffusers")
            try:
                warm = diffusers.AutoPipelineForImage2Image.from_pipe(pipeline)
            except Exception as exc:
                raise WarmStartRefused(
                    f"the diffusers pipeline {self._model_name!r} has no image-to-image form "
                    f"for warm starts: {type(exc).__name__}: {exc}"
                ) from exc
            warm.set_progress_bar_config(disable=True)
            self._image_to_image = warm
        return self._image_to_image


@dataclass
class _Job:
    """One request waiting for the pipeline."""

    request: GenerationRequest
    width: int
    height: int
    seed: int
    done: asyncio.Future[Generation]
    abandoned: bool = False
    """Its caller went away (its client disconnected, or its deadline passed)."""


def _compatible(waiting: list[_Job], max_batch: int) -> list[_Job]:
    """The first waiting job and the later ones that may share its pipeline call: the same
    size, from noise, up to ``max_batch`` images. A warm start runs alone, and so does a
    request with a seed: a batch's arithmetic differs in the last bits from a lone call's, and
    a seed promises the same bytes every time."""
    head = waiting[0]
    batch, images = [head], head.request.n
    if not _batchable(head.request):
        return batch
    for job in waiting[1:]:
        same_size = (job.width, job.height) == (head.width, head.height)
        if same_size and _batchable(job.request) and images + job.request.n <= max_batch:
            batch.append(job)
            images += job.request.n
    return batch


def _batchable(request: GenerationRequest) -> bool:
    return request.init_image is None and request.seed is None


def _decode(data: bytes, width: int, height: int) -> Image:
    """An init image as the pipeline takes it: RGB, at the requested size."""
    from PIL import Image as PILImage

    try:
        picture = PILImage.open(io.BytesIO(data)).convert("RGB")
    except Exception as exc:  # PIL raises many kinds for a broken file
        raise WarmStartRefused(f"the warm-start image cannot be read: {exc}") from exc
    return picture if picture.size == (width, height) else picture.resize((width, height))


def encode_image(image: Image, output_format: str, compression: int | None = None) -> bytes:
    """Encode ``image`` as ``png``, ``jpeg`` or ``webp``. ``compression`` is OpenAI's
    ``output_compression`` (0-100, default 100), used as the jpeg/webp quality; png is
    lossless and ignores it. The same image always gives the same bytes."""
    buffer = io.BytesIO()
    quality = _OPENAI_DEFAULT_QUALITY if compression is None else compression
    if output_format == "png":
        image.save(buffer, format="PNG")
    elif output_format == "jpeg":
        image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    elif output_format == "webp":
        image.save(buffer, format="WEBP", quality=quality)
    else:
        raise InvalidRequest(f"Invalid value: '{output_format}'.", param="output_format")
    return buffer.getvalue()
