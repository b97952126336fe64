"""Every shell command in README.md and docs/*.md runs as written.

Each command of a ```bash block is matched to one way of running it below; a
command nothing matches fails `test_every_documented_command_has_a_runner`, so
a new command in the docs needs a runner here. How they run, and why:

- `pip install`: not run (it needs the network and minutes); the extras it
  names exist in pyproject.toml, the constraints file exists, the project name
  is the one on PyPI.
- `pytest ...`: run as written plus `--collect-only` (the paths, markers and
  options exist), since the suite cannot run itself inside itself.
- `python -m benchmarks.run ...` and `python -m tests.support.soak ...`: their
  arguments are parsed by the module's own parser (a run takes minutes).
- `python -m pyinstrument ...`: a profiler that is not a dependency: the
  module it profiles exists.
- everything else runs for real with a time bound: `onerouter demo`, the
  emulator with its curl calls, the `export` block, the latency probe, and
  `langgraph dev` against `onerouter emulate` (with the `server` extra).
  Servers are stopped afterwards; a fixed port that is taken on this machine
  is replaced by a free one.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
BIN = Path(sys.executable).parent
BOUND = 120  # seconds for any one command


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks() -> list[tuple[str, str]]:
    """(page:line, the block's text with continuation lines joined)."""
    found = []
    for page in _pages():
        text = page.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            body = match.group(1).replace("\\\n", " ")
            found.append((f"{page.relative_to(ROOT)}:{line}", body))
    return found


def _commands(block: str) -> list[str]:
    return [
        line.strip()
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _words(command: str) -> list[str]:
    return shlex.split(command, comments=True)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEROUTER_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)  # this checkout, not an installed copy
    return env


def _bash(script: str, cwd: Path = ROOT, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"set -eo pipefail\n{script}"],
        cwd=cwd,
        env={**_env(), **kw.pop("env", {})},
        capture_output=True,
        text=True,
        timeout=BOUND,
        **kw,
    )


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _on_free_port(text: str, port: int) -> str:
    """`text` with `port` replaced by a free one when it is taken here."""
    return text if _port_free(port) else text.replace(str(port), str(_free_port()))


# -- the runners -------------------------------------------------------------------


def check_pip(command: str, page: str) -> None:
    words = _words(command)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = set(project["optional-dependencies"])
    for before, word in zip(words[1:], words[2:], strict=False):
        if word.startswith("-") or before == "-c":
            continue
        name, _, rest = word.partition("[")
        wanted = {e.strip() for e in rest.rstrip("]").split(",") if e.strip()}
        if name in (".", project["name"]):
            assert wanted <= extras, f"{page}: unknown extra in {word}"
        elif name not in ("pyinstrument",):  # a tool the page says to add
            pytest.fail(f"{page}: pip installs {word!r}, neither us nor a known tool")
    if "-c" in words:
        assert (ROOT / words[words.index("-c") + 1]).is_file()


def run_pytest(command: str, page: str) -> None:
    written = shlex.join(_words(command))  # without its trailing comment
    done = _bash(f"{written} --collect-only -q -p no:randomly -p no:cacheprovider")
    # 5: nothing collected (e.g. every test of a module skips without its extra)
    assert done.returncode in (0, 5), f"{page}: {command}\n{done.stdout[-2000:]}"
    assert "error" not in done.stdout.lower().split("\n")[-2], done.stdout[-2000:]


def parse_benchmarks(command: str, page: str) -> None:
    from benchmarks import run

    run._arguments(_words(command)[3:])  # SystemExit on a bad argument


def parse_soak(command: str, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import soak

    asked: list[int] = []

    class Report:
        def table(self) -> str:
            return ""

        def problems(self) -> list[str]:
            return []

    def fake(total: int, **kw: Any) -> Report:
        asked.append(total)
        return Report()

    monkeypatch.setattr(soak, "run_soak", fake)
    assert soak.main(_words(command)[3:]) == 0
    assert asked == [soak.FULL]  # `--full` is the 10,000-request run


def check_profiler(command: str, page: str) -> None:
    words = _words(command)
    module = words[words.index("-m", 3) + 1] if "-m" in words[3:] else None
    if module is not None:
        assert (ROOT / module.replace(".", "/")).with_suffix(".py").is_file()


def run_as_written(command: str, page: str) -> None:
    done = _bash(command)
    assert done.returncode == 0, f"{page}: {command}\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr


def run_exports(block: str, page: str) -> None:
    done = _bash(
        block + "\npython -c 'from langchain_onerouter.routing import routing_from_env;"
        " import json; print(json.dumps(routing_from_env()))'"
    )
    assert done.returncode == 0, done.stderr
    settings = json.loads(done.stdout)
    model = re.search(r"ONEROUTER_MODEL=(\S+)", block)
    assert model and settings["model"] == model.group(1)
    assert settings["fallback_models"] and settings["provider"]


@contextmanager
def serving(command: str, cwd: Path, ready: str) -> Iterator[list[str]]:
    """`command` in the background until its output has `ready` (or, for a
    URL, until that URL answers 200); yields its output lines so far, then
    interrupts it as Ctrl-C would."""
    import httpx2

    log = cwd / f".serving-{_free_port()}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: the interrupt reaches all
        )

    def is_ready() -> bool:
        if not ready.startswith("http"):
            return ready in log.read_text()
        try:
            return httpx2.get(ready, timeout=1).status_code == 200
        except httpx2.HTTPError:
            return False

    try:
        deadline = time.monotonic() + BOUND
        while not is_ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{command!r} did not become ready:\n{log.read_text()}")
            time.sleep(0.2)
        yield log.read_text().splitlines()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def run_emulator_and_curls(block: str, page: str, tmp_path: Path) -> None:
    name, line = page.split(":")
    after = "".join((ROOT / name).read_text().splitlines(True)[int(line) :])
    script = re.search(r"```json\n(.*?)```", after, re.DOTALL)
    curls = FENCE.search(after)
    assert script and curls, "the script file and the curl block follow"
    (tmp_path / "replies.json").write_text(script.group(1))
    joined = block + "\n" + curls.group(1).replace("\\\n", " ")
    joined = _on_free_port(joined, 8080)
    command, curl_block = joined.split("\n", 1)
    port = re.search(r"--port (\d+)", command)
    assert port
    with serving(command, tmp_path, "listening") as lines:
        promised = re.search(r"# (OneRouter emulator listening on \S+)", block)
        assert promised
        said = promised.group(1).replace("8080", port.group(1))
        assert any(said in line for line in lines), lines
        done = _bash(curl_block, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    decoder, out = json.JSONDecoder(), done.stdout
    queued, end = decoder.raw_decode(out)
    recorded, _ = decoder.raw_decode(out, end)
    scripted = len(json.loads(script.group(1)))
    assert queued == {"queued": 1, "pending": scripted + 1}  # the script's, one more
    assert recorded == {"requests": []}  # the control route is not recorded


def run_langgraph_dev(block: str, page: str, tmp_path: Path) -> None:
    from tests.support.langgraph_server import require_server

    require_server()  # skips without the `server` extra
    commands = [c for c in _commands(block) if not c.startswith("pip ")]
    hint = re.search(r"against `(onerouter emulate [^`]+)`", block)
    assert hint, "the block says which emulator it runs against"
    emulate = hint.group(1)
    url_port = re.search(r"127\.0\.0\.1:(\d+)", block)
    assert url_port
    free = str(_free_port())
    emulate, server = (
        c.replace(url_port.group(1), free) for c in (emulate, " && ".join(commands))
    )
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    port = _free_port()  # the default (2024) may be taken on a shared machine
    server = server.split(" #")[0] + f" --no-reload --port {port}"
    with serving(emulate, tmp_path, "listening"):
        with serving(server, tmp_path, f"http://127.0.0.1:{port}/ok"):
            from langgraph_sdk import get_sync_client

            client = get_sync_client(url=f"http://127.0.0.1:{port}")
            thread = client.threads.create()
            run = client.runs.wait(
                thread["thread_id"],
                "agent",
                input={"messages": [{"role": "user", "content": "Weather in Rome?"}]},
            )
    assert isinstance(run, dict) and run.get("messages"), run  # not a 401


def run_with_the_block_before(block: str, page: str) -> None:
    """Calls to a server the block before starts: run by that block's runner."""


RUNNERS: list[tuple[str, Callable[..., None]]] = [
    (r"pip install ", check_pip),
    (r"(\w+=\S+ )*pytest\b", run_pytest),
    (r"python -m benchmarks\.run\b", parse_benchmarks),
    (r"python -m tests\.support\.soak\b", parse_soak),
    (r"python -m pyinstrument\b", check_profiler),
    (r"python -m benchmarks\.emulator_latency\b", run_as_written),
    (r"onerouter demo$", run_as_written),
    (r"export \w+=", run_as_written),
]
BLOCK_RUNNERS: list[tuple[str, Callable[..., None]]] = [
    (r"\A(export ONEROUTER_\w+=.*\n?)+\Z", run_exports),
    (r"\Aonerouter emulate --port 8080", run_emulator_and_curls),
    (r"\Acurl ", run_with_the_block_before),
    (r"langgraph dev", run_langgraph_dev),
]


def _runner_of(block: str) -> Callable[..., None] | None:
    for pattern, runner in BLOCK_RUNNERS:
        if re.search(pattern, block.strip(), re.MULTILINE):
            return runner
    return None


# Seconds each (collecting the whole suite, starting LangGraph's server):
# with `pytest -m slow`, outside the README's suite.
SLOW = {run_pytest, run_langgraph_dev}


def _case(label: str, where: str, text: str, runner: Any) -> Any:
    marks = [pytest.mark.slow] if runner in SLOW else []
    return pytest.param(where, text, runner, id=label, marks=marks)


def _command_cases() -> list[Any]:
    cases = []
    for where, block in _blocks():
        special = _runner_of(block)
        for command in _commands(block):
            if special is not None and not command.startswith("pip "):
                continue
            runner = next((r for p, r in RUNNERS if re.match(p, command)), None)
            cases.append(_case(f"{where} {command[:40]}", where, command, runner))
    return cases


def test_every_documented_command_has_a_runner() -> None:
    missing = [
        f"{where}: {command}"
        for where, command, runner in (c.values for c in _command_cases())
        if runner is None
    ]
    assert missing == [], "add a runner in tests/docs/test_shell_commands.py"


@pytest.mark.parametrize(("where", "command", "runner"), _command_cases())
def test_documented_command_runs(
    where: str, command: str, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if runner is None:
        pytest.fail(f"{where}: no runner for {command!r}")
    if runner is parse_soak:
        runner(command, where, monkeypatch)
    else:
        runner(command, where)


@pytest.mark.parametrize(
    ("where", "block", "runner"),
    [
        _case(w, w, b, _runner_of(b))
        for w, b in _blocks()
        if _runner_of(b) not in (None, run_with_the_block_before)
    ],
)
def test_documented_block_runs(
    where: str, block: str, runner: Any, tmp_path: Path
) -> None:
    if runner in (run_emulator_and_curls, run_langgraph_dev):
        runner(block, where, tmp_path)
    else:
        runner(block, where)
