// A streaming server with a hard concurrency limit, for capacity tests whose answer does not depend
// on timing: `GET /chat?limit=N&ms=M` streams 3 SSE events (the first after M ms) while at most N
// requests of that limit are in flight, and answers 503 to one more; with `die=1` one request too
// many crashes the whole server instead (every socket destroyed, nothing listens any more).
import type { ServerResponse } from 'node:http';
import { listen, writeTimed, type TestServer } from './http.js';

export interface LimitedServer extends TestServer {
  /** Whether a `die=1` request crashed it. */
  readonly dead: boolean;
  /** Most requests in flight at once, per limit. */
  peaks: Map<number, number>;
}

export async function startLimitedServer(): Promise<LimitedServer> {
  const inFlight = new Map<number, number>();
  const peaks = new Map<number, number>();
  let dead = false;
  let server: TestServer | null = null;
  const crash = (): void => {
    dead = true;
    void server?.close();
  };
  server = await listen(async (req, res: ServerResponse) => {
    const q = new URL(req.path, 'http://x').searchParams;
    if (!req.path.startsWith('/chat')) {
      res.writeHead(404).end();
      return;
    }
    const limit = Number(q.get('limit') ?? '4');
    const ms = Number(q.get('ms') ?? '200');
    const now = (inFlight.get(limit) ?? 0) + 1;
    if (now > limit) {
      if (q.get('die') === '1') return crash();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('over capacity');
      return;
    }
    inFlight.set(limit, now);
    peaks.set(limit, Math.max(peaks.get(limit) ?? 0, now));
    res.on('close', () => inFlight.set(limit, (inFlight.get(limit) ?? 1) - 1));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    await writeTimed(res, [
      [ms, 'data: one\n\n'],
      [10, 'data: two\n\n'],
      [10, 'data: three\n\n'],
    ]);
    res.end();
  });
  const s = server;
  return {
    get url() {
      return s.url;
    },
    requests: s.requests,
    close: () => s.close(),
    get dead() {
      return dead;
    },
    peaks,
  };
}
