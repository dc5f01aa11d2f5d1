import { request, type IncomingHttpHeaders } from 'node:http';
import { startDemoServer, type DemoServer } from '../../src/demo/server.js';
import { spawnDemo } from '../helpers/demo.js';

interface Chunk {
  /** ms since the request was issued */
  t: number;
  data: string;
}

interface Result {
  status: number | undefined;
  headers: IncomingHttpHeaders;
  /** ms since the request was issued until the response headers arrived */
  ttfb: number | undefined;
  chunks: Chunk[];
  body: string;
  error: (Error & { code?: string }) | undefined;
  /** the response ended normally */
  complete: boolean;
  /** ms since the request was issued until the result was settled */
  end: number;
}

interface FetchOptions {
  method?: string;
  /** request body, written in parts with `bodyGapMs` between them */
  body?: string[];
  bodyGapMs?: number;
  /** abort the request after this many ms (the result then has what arrived so far) */
  abortAfterMs?: number;
  /** called once the response headers arrived */
  onResponse?: () => void;
}

function fetchRaw(url: string, opts: FetchOptions = {}): Promise<Result> {
  return new Promise<Result>((resolve) => {
    const t0 = performance.now();
    const out: Result = {
      status: undefined,
      headers: {},
      ttfb: undefined,
      chunks: [],
      body: '',
      error: undefined,
      complete: false,
      end: 0,
    };
    let done = false;
    let abortTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      out.end = performance.now() - t0;
      if (abortTimer !== undefined) clearTimeout(abortTimer);
      out.body = out.chunks.map((c) => c.data).join('');
      resolve(out);
    };
    const req = request(url, { method: opts.method ?? 'GET', agent: false }, (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      out.ttfb = performance.now() - t0;
      opts.onResponse?.();
      res.setEncoding('utf8');
      res.on('data', (d: string) => out.chunks.push({ t: performance.now() - t0, data: d }));
      res.on('end', () => {
        out.complete = true;
        finish();
      });
      res.on('error', (err) => {
        out.error ??= err;
        finish();
      });
      res.on('close', () => setImmediate(finish));
    });
    req.on('error', (err) => {
      out.error ??= err;
      finish();
    });
    req.on('close', () => setImmediate(finish));
    if (opts.abortAfterMs !== undefined) {
      abortTimer = setTimeout(() => {
        req.destroy();
        finish();
      }, opts.abortAfterMs);
    }
    const parts = opts.body;
    if (parts === undefined || parts.length === 0) {
      req.end();
      return;
    }
    req.setHeader('Content-Type', 'text/plain');
    let i = 0;
    const next = (): void => {
      const part = parts[i++];
      if (part === undefined) {
        req.end();
        return;
      }
      req.write(part);
      setTimeout(next, opts.bodyGapMs ?? 0);
    };
    req.flushHeaders();
    next();
  });
}

function sse(i: number): string {
  return `data: {"id":${i},"content":"token ${i} "}\n\n`;
}
function ndjson(i: number): string {
  return `{"id":${i},"content":"token ${i} "}\n`;
}
function raw(i: number): string {
  return `token ${i} `;
}
function events(fmt: (i: number) => string, n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += fmt(i);
  return s;
}

function expectChunked(r: Result): void {
  expect(r.headers['transfer-encoding']).toBe('chunked');
  expect(r.headers['content-length']).toBeUndefined();
  expect(r.headers['cache-control']).toBe('no-cache');
}

/** Lower bounds get a little slack for timer granularity. */
const SLACK = 5;

describe('demo server (in-process)', () => {
  let srv: DemoServer;
  beforeAll(async () => {
    srv = await startDemoServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  test('url and port', () => {
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}`);
    expect(srv.port).toBeGreaterThan(0);
  });

  test('GET /healthz answers ok', async () => {
    const r = await fetchRaw(`${srv.url}/healthz`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok');
  });

  test('defaults: async SSE, 5 events, first after ~200 ms, one chunk per event', async () => {
    const r = await fetchRaw(`${srv.url}/any/path`);
    expect(r.error).toBeUndefined();
    expect(r.complete).toBe(true);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream');
    expectChunked(r);
    expect(r.body).toBe(events(sse, 5));
    expect(r.chunks).toHaveLength(5);
    expect(r.chunks[0]!.t).toBeGreaterThanOrEqual(200 - SLACK);
    // headers are flushed before the first event
    expect(r.ttfb!).toBeLessThanOrEqual(r.chunks[0]!.t);
  });

  test('async: delay and interval are honoured (lower bounds)', async () => {
    const r = await fetchRaw(`${srv.url}/?delay=100&events=3&interval=50`);
    expect(r.body).toBe(events(sse, 3));
    expect(r.chunks).toHaveLength(3);
    expect(r.chunks[0]!.t).toBeGreaterThanOrEqual(100 - SLACK);
    expect(r.chunks[1]!.t - r.chunks[0]!.t).toBeGreaterThanOrEqual(50 - SLACK);
    expect(r.chunks[2]!.t - r.chunks[1]!.t).toBeGreaterThanOrEqual(50 - SLACK);
  });

  test.each([
    ['sse', 'text/event-stream', sse],
    ['ndjson', 'application/x-ndjson', ndjson],
    ['raw', 'text/plain; charset=utf-8', raw],
  ] as const)('format %s', async (format, contentType, fmt) => {
    const r = await fetchRaw(`${srv.url}/chat?format=${format}&delay=0&events=4&interval=5`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(contentType);
    expectChunked(r);
    expect(r.complete).toBe(true);
    expect(r.body).toBe(events(fmt, 4));
  });

  test('interval=0 writes the rest at once', async () => {
    const r = await fetchRaw(`${srv.url}/?delay=0&events=20&interval=0&format=ndjson`);
    expect(r.complete).toBe(true);
    expect(r.body).toBe(events(ndjson, 20));
  });

  test('events=0 in async mode: headers, then an empty body', async () => {
    const r = await fetchRaw(`${srv.url}/?delay=10&events=0`);
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(r.body).toBe('');
  });

  test('any method; a request body is read before the response starts', async () => {
    const r = await fetchRaw(`${srv.url}/v1/chat?delay=0&events=2&interval=0`, {
      method: 'POST',
      body: ['{"q":', '"hello"}'],
      bodyGapMs: 150,
    });
    expect(r.status).toBe(200);
    expect(r.body).toBe(events(sse, 2));
    expect(r.ttfb!).toBeGreaterThanOrEqual(150 - SLACK);
  });

  test('blocking: stalls the event loop, so concurrent requests are served one after another', async () => {
    const url = `${srv.url}/?mode=blocking&delay=100&events=2&interval=10`;
    const rs = await Promise.all([fetchRaw(url), fetchRaw(url), fetchRaw(url)]);
    for (const r of rs) {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/event-stream');
      expectChunked(r);
      expect(r.body).toBe(events(sse, 2));
      expect(r.chunks[0]!.t).toBeGreaterThanOrEqual(100 - SLACK);
    }
    const firsts = rs.map((r) => r.chunks[0]!.t).sort((a, b) => a - b);
    expect(firsts[2]!).toBeGreaterThanOrEqual(300 - 3 * SLACK);
  });

  test('pool: at most `workers` requests in their delay phase at once', async () => {
    const url = `${srv.url}/?mode=pool&workers=2&delay=100&events=1`;
    const rs = await Promise.all([fetchRaw(url), fetchRaw(url), fetchRaw(url), fetchRaw(url)]);
    for (const r of rs) {
      expect(r.status).toBe(200);
      expect(r.body).toBe(events(sse, 1));
      expect(r.chunks[0]!.t).toBeGreaterThanOrEqual(100 - SLACK);
      // headers are sent before the request waits for a slot
      expect(r.ttfb!).toBeLessThanOrEqual(r.chunks[0]!.t);
    }
    const firsts = rs.map((r) => r.chunks[0]!.t).sort((a, b) => a - b);
    expect(firsts[2]!).toBeGreaterThanOrEqual(200 - 2 * SLACK);
    expect(firsts[3]!).toBeGreaterThanOrEqual(200 - 2 * SLACK);
  });

  test('pool: a client leaving the queue does not wedge the pool', async () => {
    const url = `${srv.url}/?mode=pool&workers=1&delay=100&events=1&format=raw`;
    const a = fetchRaw(url);
    const b = fetchRaw(url, { abortAfterMs: 30 }); // queued behind a, then gone
    const c = fetchRaw(url);
    const d = fetchRaw(url, { abortAfterMs: 250 }); // leaves during its own delay phase (200..300 ms)
    const [ra, rb, rc] = await Promise.all([a, b, c, d]);
    expect(ra.body).toBe('token 1 ');
    expect(rb.body).toBe('');
    expect(rc.body).toBe('token 1 ');
    expect(rc.chunks[0]!.t).toBeGreaterThanOrEqual(200 - 2 * SLACK);
    const e = await fetchRaw(url);
    expect(e.body).toBe('token 1 ');
  });

  test('buffered: nothing until the end, then headers and all events in one write', async () => {
    const r = await fetchRaw(`${srv.url}/?mode=buffered&delay=100&events=4&interval=30&format=ndjson`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-ndjson');
    expectChunked(r);
    expect(r.ttfb!).toBeGreaterThanOrEqual(100 + 3 * 30 - SLACK);
    expect(r.chunks).toHaveLength(1);
    expect(r.body).toBe(events(ndjson, 4));
    expect(r.complete).toBe(true);
  });

  test('status: default 503 with a JSON error body, after the delay', async () => {
    const r = await fetchRaw(`${srv.url}/?mode=status&delay=50`);
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({ error: { message: 'demo failure 503' } });
    expect(r.ttfb!).toBeGreaterThanOrEqual(50 - SLACK);
  });

  test('status: code parameter', async () => {
    const r = await fetchRaw(`${srv.url}/?mode=status&code=429&delay=0`);
    expect(r.status).toBe(429);
    expect(JSON.parse(r.body)).toEqual({ error: { message: 'demo failure 429' } });
  });

  test('reset: first event, then the connection drops mid-stream', async () => {
    const r = await fetchRaw(`${srv.url}/?mode=reset&delay=20`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(sse(1));
    expect(r.complete).toBe(false);
    expect(r.error).toBeDefined();
  });

  test('malformed: the client sees an HTTP parse error', async () => {
    const r = await fetchRaw(`${srv.url}/?mode=malformed&delay=10`);
    expect(r.complete).toBe(false);
    expect(r.error).toBeDefined();
    expect(r.error!.code).toMatch(/^HPE_/);
  });

  test('hang: headers, then no data', async () => {
    const r = await fetchRaw(`${srv.url}/?mode=hang&delay=0`, { abortAfterMs: 300 });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream');
    expect(r.chunks).toHaveLength(0);
    expect(r.complete).toBe(false);
  });

  test.each([
    ['sse', 'text/event-stream'],
    ['ndjson', 'application/x-ndjson'],
    ['raw', 'text/plain; charset=utf-8'],
  ] as const)('empty (%s): 200, zero body bytes, ended after the delay', async (format, contentType) => {
    const r = await fetchRaw(`${srv.url}/?mode=empty&format=${format}&delay=50`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(contentType);
    expectChunked(r);
    expect(r.complete).toBe(true);
    expect(r.chunks).toHaveLength(0);
    expect(r.body).toBe('');
    expect(r.end).toBeGreaterThanOrEqual(50 - SLACK);
  });

  test.each(['mode=nope', 'format=xml', 'delay=abc', 'delay=', 'events=-1', 'events=1.5', 'interval=1e3', 'mode=status&code=abc', 'mode=status&code=42', 'mode=pool&workers=0'])(
    'bad parameter %s → 400 JSON',
    async (query) => {
      const r = await fetchRaw(`${srv.url}/?${query}`);
      expect(r.status).toBe(400);
      expect(r.headers['content-type']).toBe('application/json');
      const body = JSON.parse(r.body) as { error?: { message?: unknown } };
      expect(typeof body.error?.message).toBe('string');
    },
  );

  test('/__writes is 404 without record mode', async () => {
    expect((await fetchRaw(`${srv.url}/__writes`)).status).toBe(404);
    expect((await fetchRaw(`${srv.url}/__writes`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('demo server record mode', () => {
  let srv: DemoServer;
  beforeAll(async () => {
    srv = await startDemoServer({ record: true });
  });
  afterAll(async () => {
    await srv.close();
  });

  test('records the hrtime of the first event write per id', async () => {
    const before = process.hrtime.bigint();
    await Promise.all([
      fetchRaw(`${srv.url}/?id=a&delay=10&events=2`),
      fetchRaw(`${srv.url}/?id=b%20c&mode=blocking&delay=10&events=1`),
      fetchRaw(`${srv.url}/?id=d&mode=buffered&delay=10&events=2&interval=5`),
      fetchRaw(`${srv.url}/?delay=0&events=1`), // no id: not recorded
      fetchRaw(`${srv.url}/?id=e&mode=status&delay=0`), // no event: not recorded
    ]);
    const after = process.hrtime.bigint();
    const r = await fetchRaw(`${srv.url}/__writes`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const writes = JSON.parse(r.body) as Record<string, string>;
    expect(Object.keys(writes).sort()).toEqual(['a', 'b c', 'd']);
    for (const v of Object.values(writes)) {
      expect(v).toMatch(/^\d+$/);
      const ns = BigInt(v);
      expect(ns > before && ns < after).toBe(true);
    }
    const del = await fetchRaw(`${srv.url}/__writes`, { method: 'DELETE' });
    expect(del.status).toBeLessThan(300);
    expect(JSON.parse((await fetchRaw(`${srv.url}/__writes`)).body)).toEqual({});
  });
});

describe('demo server close()', () => {
  test('resolves with hanging streams open', async () => {
    const srv = await startDemoServer();
    let opened!: () => void;
    const headersIn = new Promise<void>((resolve) => (opened = resolve));
    const pending = [
      fetchRaw(`${srv.url}/?mode=hang`, { onResponse: () => opened() }),
      fetchRaw(`${srv.url}/?mode=pool&workers=1&delay=100000`),
      fetchRaw(`${srv.url}/?mode=pool&workers=1&delay=100000`),
      fetchRaw(`${srv.url}/?delay=100000`),
    ];
    await headersIn;
    await srv.close();
    const rs = await Promise.all(pending);
    for (const r of rs) expect(r.complete).toBe(false);
    await srv.close(); // idempotent
  });
});

describe('spawned demo server (lib/src/demo/server.js)', () => {
  test('starts, streams, records and stops on SIGTERM', async () => {
    const demo = await spawnDemo({ record: true });
    try {
      expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetchRaw(`${demo.url}/healthz`)).body).toBe('ok');
      const r = await fetchRaw(`${demo.url}/?id=x&delay=10&events=3&interval=5&format=raw`);
      expect(r.body).toBe(events(raw, 3));
      const writes = JSON.parse((await fetchRaw(`${demo.url}/__writes`)).body) as Record<string, string>;
      expect(Object.keys(writes)).toEqual(['x']);
      // a hanging stream does not keep the child alive
      void fetchRaw(`${demo.url}/?mode=hang`);
    } finally {
      await demo.close();
    }
    await demo.close(); // idempotent
  });

  test('without --record, /__writes is 404', async () => {
    const demo = await spawnDemo();
    try {
      expect((await fetchRaw(`${demo.url}/__writes`)).status).toBe(404);
    } finally {
      await demo.close();
    }
  });
});
