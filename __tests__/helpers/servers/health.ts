// A deployment that is still booting: GET /healthz answers 503 (with a body) for the first
// `unhealthy` checks, then 200. /chat streams a short SSE answer.
import { json, listen, writeTimed, type TestServer } from './http.js';

export interface HealthServer extends TestServer {
  checks(): number;
}

export async function startHealthServer(opts: { unhealthy: number; body?: string }): Promise<HealthServer> {
  let checks = 0;
  const server = await listen(async (req, res) => {
    const path = req.path.split('?')[0];
    if (path === '/healthz') {
      checks++;
      if (checks <= opts.unhealthy) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end(opts.body ?? 'upstream not ready: migrations running\n');
      }
      return json(res, 200, { status: 'ok' });
    }
    if (path === '/chat') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      await writeTimed(res, [
        [20, 'data: one\n\n'],
        [5, 'data: two\n\n'],
      ]);
      return void res.end();
    }
    return json(res, 404, { error: 'not found' });
  });
  return Object.assign(server, { checks: () => checks });
}
