// The target of the process and probe tests: /chat streams a short SSE answer (`?delay=MS` before
// the first event, `?events=N`), /healthz-503 fails every health check, and /silent accepts the
// request and never answers (a frozen health endpoint or metrics exporter).
import { json, listen, writeTimed, type TestServer } from './http.js';

export async function startProcsServer(): Promise<TestServer> {
  return listen(async (req, res) => {
    const u = new URL(req.path, 'http://x');
    if (u.pathname === '/chat') {
      const delay = Number(u.searchParams.get('delay') ?? '10');
      const events = Number(u.searchParams.get('events') ?? '3');
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      await writeTimed(res, [[delay, 'data: one\n\n'], ...Array.from({ length: events - 1 }, () => [5, 'data: more\n\n'] as [number, string])]);
      return void res.end();
    }
    if (u.pathname === '/healthz-503') return json(res, 503, { status: 'migrating' });
    if (u.pathname === '/silent') return; // accepted, never answered; close() destroys the socket
    return json(res, 404, { error: 'not found' });
  });
}
