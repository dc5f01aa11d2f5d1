// A node:http handler with a synchronous section (a 200 ms pbkdf2Sync-like CPU call on the event
// loop) followed by 300 ms of awaited I/O before the first chunk: only the synchronous part is served
// one request at a time. Expected: `serialized` with a blocking section of ~200 ms.
// GET /chat?block=200&await=300&events=10&interval=50&size=60
import { blockFor, listen, num, sleep, stream } from './listen.mjs';

listen(async (_req, res, q) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  blockFor(num(q, 'block', 200));
  await sleep(num(q, 'await', 300));
  stream(res, num(q, 'events', 10), num(q, 'interval', 50), num(q, 'size', 60));
});
