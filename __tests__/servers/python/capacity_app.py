"""Streaming chat endpoints with a bounded pool, for the capacity tests (Quart, served by hypercorn).

GET /chat?pool=N&ttfc=SECONDS&events=N&interval=SECONDS
    an asyncio.Semaphore(N) held for the whole answer, as around an LLM client
GET /chat?executor=N&...
    the "model call" (a blocking time.sleep of ttfc) in a ThreadPoolExecutor(max_workers=N), as a
    synchronous client run with run_in_executor; the stream after it is async
GET /chat?...
    async: awaits the model, no limit
One pool per size, made on first use, so head (pool=2) and base (pool=4) can share one server.
"""
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from quart import Quart, request

app = Quart(__name__)
POOLS = {}
EXECUTORS = {}


def pool(n):
    if n not in POOLS:
        POOLS[n] = asyncio.Semaphore(n)
    return POOLS[n]


def executor(n):
    if n not in EXECUTORS:
        EXECUTORS[n] = ThreadPoolExecutor(max_workers=n)
    return EXECUTORS[n]


async def stream(ttfc, events, interval, blocking_pool=None):
    if blocking_pool is not None:
        await asyncio.get_running_loop().run_in_executor(blocking_pool, time.sleep, ttfc)
    else:
        await asyncio.sleep(ttfc)
    for i in range(events):
        if i:
            await asyncio.sleep(interval)
        yield "data: %s\n\n" % ("w%d " % i).ljust(40, "x")


@app.route("/chat")
async def chat():
    a = request.args
    ttfc = float(a.get("ttfc", "0.15"))
    events = int(a.get("events", "4"))
    interval = float(a.get("interval", "0.04"))
    size = a.get("pool")
    workers = a.get("executor")

    async def body():
        if size is not None:
            async with pool(int(size)):
                async for e in stream(ttfc, events, interval):
                    yield e
        elif workers is not None:
            async for e in stream(ttfc, events, interval, executor(int(workers))):
                yield e
        else:
            async for e in stream(ttfc, events, interval):
                yield e

    return body(), 200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


@app.route("/health")
async def health():
    return "ok"
