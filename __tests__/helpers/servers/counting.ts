// An SSE server that counts, per stage (the `stage` of the JSON body), the requests, the users and the
// most requests it held open at once: what the target saw, whichever machines the load came from.
import { listen, writeTimed, type TestServer } from './http.js';

export interface StageCount {
  requests: number;
  /** Most requests in flight at once. */
  peak: number;
  /** Requests per `user` of the body. */
  users: Map<number, number>;
}

export interface CountingServer extends TestServer {
  stages: Map<number, StageCount>;
  reset(): void;
}

/** Every request: headers, then `events` SSE events, the first after `delayMs`, then `intervalMs` apart. */
export async function startCountingServer(opts: { delayMs: number; events?: number; intervalMs?: number }): Promise<CountingServer> {
  const stages = new Map<number, StageCount>();
  const inFlight = new Map<number, number>();
  const server = await listen(async (req, res) => {
    const { stage, user } = JSON.parse(req.body || '{}') as { stage?: number; user?: number };
    const s = stage ?? 0;
    let c = stages.get(s);
    if (!c) stages.set(s, (c = { requests: 0, peak: 0, users: new Map() }));
    c.requests++;
    if (user !== undefined) c.users.set(user, (c.users.get(user) ?? 0) + 1);
    const now = (inFlight.get(s) ?? 0) + 1;
    inFlight.set(s, now);
    c.peak = Math.max(c.peak, now);
    res.on('close', () => inFlight.set(s, (inFlight.get(s) ?? 1) - 1));
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    const events = opts.events ?? 3;
    const parts: Array<[number, string]> = [];
    for (let i = 1; i <= events; i++) parts.push([i === 1 ? opts.delayMs : (opts.intervalMs ?? 10), `data: {"content":"token ${i}"}\n\n`]);
    await writeTimed(res, parts);
    res.end();
  });
  return {
    ...server,
    stages,
    reset() {
      stages.clear();
      inFlight.clear();
    },
  };
}
