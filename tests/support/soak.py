"""Load and soak: one shared model, 8 threads + 100 asyncio tasks at once,
mixed invoke/stream, ~5% injected faults, max_retries=3.

Every call must end in the exact outcome its faults dictate (the server
records which faults each caller's attempts got, so the expected answer or
typed error is known per call), within a bound; each caller must get its own
answer (the server echoes a per-call token); open sockets must return to the
baseline once the model's clients are closed; RSS may grow < 10% after
warm-up.

    python -m tests.support.soak --full    # 10,000 requests
    python -m tests.support.soak           # the CI size (1,500)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import secrets
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx2

from langchain_onerouter import ChatOneRouterResponses, errors
from tests.support.modes import (
    SSE_HEADERS,
    call,
    final_body,
    frames,
    ok_reply,
    open_sockets,
    rss_bytes,
    stream_events,
    wait_until,
)
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer

FULL = 10_000
CI = 1_500
READ_TIMEOUT = 3.0
FAULTS = ("http_500", "http_429", "reset", "drop", "stall", "error_200")
# The error a retryable fault leaves when it is also the last attempt's.
EXHAUSTED = {
    "http_500": "APIStatusError",
    "http_429": "RateLimitError",
    "reset": "APIConnectionError",
    "drop": "APIConnectionError",
    "stall": "APITimeoutError",
}


class FaultyBackend:
    """The scripted server's responder: echoes the caller's token, or (with
    probability `fault_rate`) injects one of `FAULTS`, recording per token."""

    def __init__(self, fault_rate: float, seed: int) -> None:
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.decisions: dict[str, list[str]] = defaultdict(list)
        self.faults: Counter[str] = Counter()
        self.attempts = 0

    def __call__(self, request: Recorded) -> RawReply:
        body = json.loads(request.body)
        token = body["input"][0]["content"][0]["text"].split()[-1]
        streaming = bool(body.get("stream"))
        with self.lock:
            self.attempts += 1
            kind = "ok"
            if self.rng.random() < self.fault_rate:
                kind = self.rng.choice(FAULTS)
                self.faults[kind] += 1
            self.decisions[token].append(kind)
        return self.reply(kind, token, streaming)

    @staticmethod
    def reply(kind: str, token: str, streaming: bool) -> RawReply:
        text, resp_id = f"echo {token}", f"resp_{token}"
        if kind == "ok":
            return ok_reply(text, streaming=streaming, resp_id=resp_id)
        if kind == "http_500":
            return RawReply(500, {"error": {"message": "soak 500"}})
        if kind == "http_429":
            return RawReply(
                429, {"error": {"message": "soak 429"}}, headers={"Retry-After": "0"}
            )
        if kind == "reset":
            return RawReply(reset=True)
        if kind == "drop" and streaming:
            cut = frames(stream_events(text, resp_id))[:3]
            return RawReply(headers=SSE_HEADERS, chunks=cut, drop=True)
        if kind == "drop":
            return RawReply(body=final_body(text, resp_id), drop=True)
        if kind == "stall":
            return RawReply(hang=READ_TIMEOUT + 0.5)
        body = {"status": "failed", "error": {"message": "soak failed"}}
        return RawReply(body=body)  # error_200

    def take(self, token: str) -> list[str]:
        with self.lock:
            return self.decisions.pop(token, [])


def expected_outcome(decisions: list[str], streaming: bool, max_retries: int) -> str:
    """The outcome the retry policy must produce for these server decisions,
    or "wrong attempt count" when the client made more or fewer attempts."""
    for n, kind in enumerate(decisions):
        outcome = None
        if kind == "ok":
            outcome = "ok"
        elif kind == "error_200":
            outcome = "ResponseFailedError"
        elif kind == "drop" and streaming:
            outcome = "StreamError"  # bytes were delivered: never retried
        elif n == max_retries:
            outcome = EXHAUSTED[kind]
        if outcome is not None:
            return outcome if n == len(decisions) - 1 else "wrong attempt count"
    return "wrong attempt count"


@dataclass
class SoakReport:
    """Figures of one run; `problems()` lists every broken guarantee."""

    calls: int = 0
    threads: int = 0
    tasks: int = 0
    attempts: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)  # outcome != expected
    mixed: int = 0  # answers carrying another caller's token
    untyped: list[str] = field(default_factory=list)
    hung: int = 0
    slowest: float = 0.0
    call_bound: float = 0.0
    sockets_baseline: int = 0
    sockets_peak: int = 0
    sockets_after: int = 0
    rss_warm: int = 0
    rss_end: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def rss_growth(self) -> float:
        return (self.rss_end - self.rss_warm) / self.rss_warm if self.rss_warm else 0

    def problems(self) -> list[str]:
        found = []
        finished = sum(self.outcomes.values())
        if finished != self.calls:
            found.append(f"{self.calls - finished} calls never finished")
        if self.hung:
            found.append(f"{self.hung} calls exceeded {self.call_bound:.0f} s")
        if self.untyped:
            found.append(f"untyped errors: {self.untyped[:3]}")
        if self.wrong:
            found.append(f"{len(self.wrong)} wrong outcomes: {self.wrong[:3]}")
        if self.mixed:
            found.append(f"{self.mixed} answers went to the wrong caller")
        if self.sockets_after > self.sockets_baseline:
            found.append(
                f"sockets leaked: {self.sockets_after} open after, "
                f"{self.sockets_baseline} before"
            )
        if self.rss_growth >= 0.10:
            found.append(f"RSS grew {self.rss_growth:.1%} after warm-up")
        return found

    def table(self) -> str:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        modes = ", ".join(f"{k} {v}" for k, v in sorted(self.modes.items()))
        rows = [
            ("calls (8 threads + 100 tasks, one model)", f"{self.calls} ({modes})"),
            ("HTTP attempts received", str(self.attempts)),
            (
                "faults injected",
                f"{sum(self.faults.values())} "
                f"({sum(self.faults.values()) / max(self.attempts, 1):.1%}): {faults}",
            ),
            ("outcomes", outcomes),
            ("outcome differs from the fault script", str(len(self.wrong))),
            ("answers mixed between callers", str(self.mixed)),
            ("untyped exceptions", str(len(self.untyped))),
            (
                f"calls over the {self.call_bound:.0f} s bound / hung",
                f"{self.hung} (slowest {self.slowest:.2f} s)",
            ),
            (
                "open sockets: before / peak / after close",
                f"{self.sockets_baseline} / {self.sockets_peak} / {self.sockets_after}",
            ),
            (
                "RSS after warm-up → end",
                f"{self.rss_warm / 2**20:.1f} MiB → {self.rss_end / 2**20:.1f} MiB "
                f"({self.rss_growth:+.1%})",
            ),
            ("wall time", f"{self.seconds:.1f} s"),
        ]
        lines = ["| figure | value |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in rows]
        return "\n".join(lines)


def run_soak(
    total: int = CI,
    *,
    threads: int = 8,
    tasks: int = 100,
    fault_rate: float = 0.05,
    max_retries: int = 3,
    seed: int = 20240601,
) -> SoakReport:
    """Run the soak and return its figures (never raises for a failed call)."""
    report = SoakReport(calls=total, threads=threads, tasks=tasks)
    # Worst case: every attempt waits the full read timeout, plus backoff.
    report.call_bound = (max_retries + 1) * (READ_TIMEOUT + 1) + 8
    backend = FaultyBackend(fault_rate, seed)
    counter = iter(range(total))
    next_lock = threading.Lock()
    warm_at = max(300, total // 5)  # RSS baseline once pools and arenas are warm
    done = [0]

    def next_index() -> int | None:
        with next_lock:
            return next(counter, None)

    def settle(index: int, mode: str, token: str, out: Any) -> None:
        streaming = mode in ("stream", "astream")
        expected = expected_outcome(backend.take(token), streaming, max_retries)
        if out.error is None:
            got = "ok"
            meta = out.message.response_metadata
            if out.message.text != f"echo {token}" or meta.get("id") != (
                f"resp_{token}"
            ):
                with report.lock:
                    report.mixed += 1
        elif isinstance(out.error, errors.OneRouterError):
            got = type(out.error).__name__
        else:
            got = "untyped"
            with report.lock:
                report.untyped.append(repr(out.error)[:200])
        with report.lock:
            report.outcomes[got] += 1
            report.modes[mode] += 1
            report.slowest = max(report.slowest, out.seconds)
            if out.seconds > report.call_bound:
                report.hung += 1
            if got != expected:
                report.wrong.append(f"call {index} {mode}: {got}, expected {expected}")
            done[0] += 1
            if done[0] == warm_at:
                gc.collect()
                report.rss_warm = rss_bytes()

    with ScriptedServer(backend, keep_requests=False) as server:
        llm = ChatOneRouterResponses(
            model="o4-mini",
            base_url=server.base_url,
            api_key="sk-or-soak-0123456789",
            max_retries=max_retries,
            timeout=httpx2.Timeout(30, read=READ_TIMEOUT, connect=5),
        )
        report.sockets_baseline = open_sockets()
        stop_probe = threading.Event()

        def probe() -> None:
            while not stop_probe.wait(0.1):
                report.sockets_peak = max(report.sockets_peak, open_sockets())

        def sync_worker() -> None:
            loop = asyncio.new_event_loop()  # only to drive `call`; no I/O on it
            try:
                while (index := next_index()) is not None:
                    mode = "invoke" if index % 2 else "stream"
                    token = f"t{index}x{secrets.token_hex(4)}"
                    out = loop.run_until_complete(call(llm, mode, f"soak call {token}"))
                    settle(index, mode, token, out)
            finally:
                loop.close()

        async def async_worker() -> None:
            while (index := next_index()) is not None:
                mode = "ainvoke" if index % 2 else "astream"
                token = f"t{index}x{secrets.token_hex(4)}"
                try:
                    out = await asyncio.wait_for(
                        call(llm, mode, f"soak call {token}"), report.call_bound
                    )
                except TimeoutError:
                    with report.lock:
                        report.hung += 1
                    continue
                settle(index, mode, token, out)

        async def main() -> None:
            workers = [threading.Thread(target=sync_worker) for _ in range(threads)]
            for worker in workers:
                worker.start()
            await asyncio.gather(*(async_worker() for _ in range(tasks)))
            deadline = time.monotonic() + report.call_bound
            for worker in workers:
                await asyncio.to_thread(
                    worker.join, max(0, deadline - time.monotonic())
                )
            report.hung += sum(worker.is_alive() for worker in workers)
            gc.collect()
            report.rss_end = rss_bytes()
            await llm._get_transport().aclose()  # closes the sync client as well

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        started = time.monotonic()
        asyncio.run(main())
        report.seconds = time.monotonic() - started
        stop_probe.set()
        prober.join()
        # Server threads notice the closed connections (or end a stall) soon.
        wait_until(lambda: open_sockets() <= report.sockets_baseline, 10.0)
        report.sockets_after = open_sockets()
        report.attempts = backend.attempts
        report.faults = backend.faults
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help=f"{FULL} requests")
    parser.add_argument("--requests", type=int, help="override the number of calls")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    total = args.requests or (FULL if args.full else CI)
    report = run_soak(total, seed=args.seed)
    print(report.table())
    problems = report.problems()
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
