"""The optional judge: an OpenAI-compatible chat model asked whether a cached image fits.

Only candidates in the gray zone reach it (a similarity between ``lower`` and ``upper``, after
the verifier has passed them), so it costs a fraction of what asking it about every lookup would,
which is what the original prototype did. It gets one strict yes/no question with a timeout; a
timeout, an error or any answer but "yes" counts as a miss. Definite answers are remembered, so
one pair of prompts is asked about once per process.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from enum import StrEnum

import httpx

from proxy.metrics import Metrics

__all__ = ["Judge", "Verdict"]

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You check an image cache. An image was generated for prompt A. Decide whether that same "
    "image also satisfies prompt B: it must show everything B asks for, with the same counts, "
    "colours, materials, style, setting, text, spatial relations and roles (who does what to "
    "whom). A may be more specific than B; B may not ask for anything A does not state. "
    "Answer with exactly one word: yes or no."
)


class Verdict(StrEnum):
    """How one question to the judge ended (a metric label)."""

    YES = "yes"
    NO = "no"
    INVALID = "invalid"
    """An answer that was neither yes nor no."""
    TIMEOUT = "timeout"
    ERROR = "error"


class Judge:
    """Asks a chat completions endpoint whether the image of one prompt fits another."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 5.0,
        lower: float = 0.80,
        upper: float = 0.95,
        metrics: Metrics,
        transport: httpx.AsyncBaseTransport | None = None,
        memory: int = 4096,
    ) -> None:
        if not lower < upper:
            raise ValueError(f"the judge's gray zone is empty: lower {lower} >= upper {upper}")
        self.model = model
        self.lower = lower
        self.upper = upper
        self.metrics = metrics
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=timeout,
            transport=transport,
        )
        self.memory: OrderedDict[tuple[str, str], bool] = OrderedDict()
        self.memory_size = memory

    def in_gray_zone(self, similarity: float) -> bool:
        return self.lower <= similarity < self.upper

    async def allows(self, cached: str, request: str) -> Verdict:
        """Whether the image generated for ``cached`` may be served for ``request``."""
        remembered = self.memory.get((cached, request))
        if remembered is not None:
            self.memory.move_to_end((cached, request))
            return Verdict.YES if remembered else Verdict.NO
        started = time.perf_counter()
        verdict = await self._ask(cached, request)
        self.metrics.judge_seconds.observe(time.perf_counter() - started)
        self.metrics.judge_requests.labels(verdict.value).inc()
        if verdict in (Verdict.YES, Verdict.NO):
            self.memory[(cached, request)] = verdict is Verdict.YES
            if len(self.memory) > self.memory_size:
                self.memory.popitem(last=False)
        return verdict

    async def _ask(self, cached: str, request: str) -> Verdict:
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Prompt A: {cached}\nPrompt B: {request}"},
            ],
            "temperature": 0,
            "max_tokens": 3,
        }
        try:
            response = await self.client.post("chat/completions", json=body)
            response.raise_for_status()
            answer = response.json()["choices"][0]["message"]["content"]
        except httpx.TimeoutException:
            log.warning("the judge did not answer in time; candidate counted as a miss")
            return Verdict.TIMEOUT
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
            log.warning("the judge failed (%s); candidate counted as a miss", _describe(error))
            return Verdict.ERROR
        word = str(answer).strip().split(maxsplit=1)[0].strip(".!,'\"").lower() if answer else ""
        if word in ("yes", "no"):
            return Verdict(word)
        log.warning(
            "the judge answered neither yes nor no (%r); counted as a miss", str(answer)[:40]
        )
        return Verdict.INVALID

    async def close(self) -> None:
        await self.client.aclose()


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    return type(error).__name__
