"""A streaming chat endpoint on Quart (served by hypercorn), the way users write one.

GET /chat?mode=MODE&ttfc=SECONDS&events=N&interval=SECONDS&size=BYTES&format=sse|openai
  mode=async      awaits the "model" (asyncio.sleep), then streams: served concurrently
  mode=blocking   a synchronous call (time.sleep) in the async handler before the first chunk:
                  the event loop stalls, requests are served one at a time
  mode=semaphore  an asyncio.Semaphore(4) held for the whole answer, as around an LLM client
format=openai sends OpenAI chat-completion chunks without `usage`.
"""
import asyncio
import json
import time

from quart import Quart, request

app = Quart(__name__)
POOL = asyncio.Semaphore(4)


def params():
    a = request.args
    return (
        a.get("mode", "async"),
        float(a.get("ttfc", "0.3")),
        int(a.get("events", "20")),
        float(a.get("interval", "0.05")),
        int(a.get("size", "40")),
        a.get("format", "sse"),
    )


def event(i, size, fmt):
    text = ("w%d " % i).ljust(size, "x")
    if fmt == "openai":
        chunk = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
        return "data: %s\n\n" % json.dumps(chunk)
    return "data: %s\n\n" % text


def tail(fmt):
    if fmt == "openai":
        chunk = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        return "data: %s\n\ndata: [DONE]\n\n" % json.dumps(chunk)
    return ""


async def answer(ttfc, events, interval, size, fmt):
    await asyncio.sleep(ttfc)
    for i in range(events):
        if i:
            await asyncio.sleep(interval)
        yield event(i, size, fmt)
    t = tail(fmt)
    if t:
        yield t


@app.route("/chat")
async def chat():
    mode, ttfc, events, interval, size, fmt = params()
    if mode == "blocking":
        time.sleep(ttfc)  # the bug: a synchronous call (vector search, LLM client) on the event loop
        ttfc = 0

    async def body():
        if mode == "semaphore":
            async with POOL:
                async for e in answer(ttfc, events, interval, size, fmt):
                    yield e
        else:
            async for e in answer(ttfc, events, interval, size, fmt):
                yield e

    return body(), 200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


@app.route("/health")
async def health():
    return "ok"
