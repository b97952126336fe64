"""The Vercel AI SDK (`ai` + `@ai-sdk/openai`) against the emulator.

Runs only with node >= 22 and the packages installed: point
`AI_SDK_NODE_MODULES` at a `node_modules` holding `ai`, `@ai-sdk/openai` and
`zod` (e.g. after `npm install ai @ai-sdk/openai zod` in a scratch directory).
Skips otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from langchain_onerouter.testing import OneRouterEmulator
from tests.compat.common import MODEL, QUESTION

SCRIPT = r"""
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, tool, stepCountIs } from 'ai';
import { z } from 'zod';

const openai = createOpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY });
const model = openai.responses(process.env.MODEL);
const stateless = { openai: { store: false } };
const out = {};
out.text = (await generateText({ model, prompt: 'hello there' })).text;
const streamed = streamText({ model, prompt: 'stream me' });
out.stream = '';
for await (const piece of streamed.textStream) out.stream += piece;
const weather = tool({
  description: 'Current weather for a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `${city}: 21 C, sunny`,
});
const looped = await generateText({
  model, prompt: process.env.QUESTION, tools: { get_weather: weather },
  stopWhen: stepCountIs(3), providerOptions: stateless,
});
out.tools = { text: looped.text, steps: looped.steps.length };
const first = await generateText({ model, prompt: 'hi', providerOptions: stateless });
const again = await generateText({
  model, providerOptions: stateless,
  messages: [{ role: 'user', content: 'hi' }, ...first.response.messages,
             { role: 'user', content: 'and again' }],
});
out.multi = again.text;
console.log(JSON.stringify(out));
"""


def _node_ready() -> tuple[str, Path] | None:
    node = shutil.which("node")
    modules = os.environ.get("AI_SDK_NODE_MODULES")
    if node is None or not modules:
        return None
    version = subprocess.run([node, "--version"], capture_output=True, text=True)
    match = re.match(r"v(\d+)", version.stdout.strip())
    if match is None or int(match.group(1)) < 22:
        return None
    root = Path(modules)
    needed = ("ai", "@ai-sdk/openai", "zod")
    return (node, root) if all((root / name).is_dir() for name in needed) else None


READY = _node_ready()
pytestmark = pytest.mark.skipif(
    READY is None,
    reason="needs node >= 22 and AI_SDK_NODE_MODULES with ai, @ai-sdk/openai, zod",
)


def test_text_stream_tool_loop_and_history(
    emu: OneRouterEmulator, tmp_path: Path
) -> None:
    assert READY is not None
    node, modules = READY
    (tmp_path / "node_modules").symlink_to(modules)
    script = tmp_path / "flows.mjs"
    script.write_text(SCRIPT)
    emu.lenient = {"assistant_ids"}  # the SDK may omit assistant ids/status
    env = {
        **os.environ,
        "BASE_URL": emu.base_url,
        "API_KEY": emu.api_key,
        "MODEL": MODEL,
        "QUESTION": QUESTION,
    }
    done = subprocess.run(
        [node, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["text"] == "You said: hello there"
    assert out["stream"] == "You said: stream me"
    assert (
        out["tools"]["text"] == "Tool results: get_weather returned Paris: 21 C, sunny"
    )
    assert out["tools"]["steps"] == 2
    assert out["multi"] == "You said: and again"
