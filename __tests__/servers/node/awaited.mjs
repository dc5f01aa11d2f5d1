// The awaited twin of blocking-section.mjs: the same 500 ms before the first chunk, all of it awaited
// (I/O, an async client), so concurrent requests wait side by side. Expected: no diagnosis.
// GET /chat?await=500&events=10&interval=50&size=60
import { listen, num, sleep, stream } from './listen.mjs';

listen(async (_req, res, q) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  await sleep(num(q, 'await', 500));
  stream(res, num(q, 'events', 10), num(q, 'interval', 50), num(q, 'size', 60));
});
