// A steady stream: the first event after `ttfc` ms, then one every `interval` ms, each write sent at once
// (headers too, with flush=1, as ASGI servers do). The upstream of the proxies under test; straight from
// it, nothing to diagnose.
// GET /chat?ttfc=300&events=20&interval=50&size=200&flush=1
import { listen, num, stream } from './listen.mjs';

listen((_req, res, q) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  if (q.get('flush') === '1') res.flushHeaders();
  setTimeout(() => stream(res, num(q, 'events', 20), num(q, 'interval', 50), num(q, 'size', 200)), num(q, 'ttfc', 300));
});
