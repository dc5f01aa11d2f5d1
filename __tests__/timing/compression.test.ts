// Compressed streams (Content-Encoding gzip, br, deflate) are decoded as they arrive: ttfc is the
// first decoded event, not the end of the body.
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { startCompressedServer } from '../helpers/servers/compressed.js';
import type { TestServer } from '../helpers/servers/http.js';

let server: TestServer;
beforeAll(async () => {
  server = await startCompressedServer();
  // Warm up (first requests in a fresh process pay for lazy loading on both sides).
  for (const enc of ['gzip', 'br', 'deflate']) await run(`enc=${enc}&delay=0&interval=0&events=1`, '1x1');
});
afterAll(async () => {
  await server.close();
});

const run = (q: string, stages = '1x1, 2x2') =>
  runGate(buildConfig({ url: `${server.url}/sse?${q}`, method: 'GET', stages, cooldown: '10ms', criteria: 'errors == 0' }, { env: {} }), { noWrite: true });

test.each(['gzip', 'br', 'deflate'])('%s SSE: every event decoded, ttfc is the first decoded event', async (enc) => {
  const r = await run(`enc=${enc}&delay=150&interval=60&events=4`);
  expect(r.requests).toHaveLength(5);
  for (const req of r.requests) {
    expect(req.ok).toBe(true);
    expect(req.events).toBe(4);
    expect(req.ttfc!).toBeGreaterThanOrEqual(145);
    expect(req.ttfc!).toBeLessThan(150 + 250);
    // the first event was seen well before the stream ended (3 more events, 60 ms apart)
    expect(req.total! - req.ttfc!).toBeGreaterThanOrEqual(90); // 180 ms of events: at least half of it after the first
    // bytes are what came over the wire: compressed, so fewer than the 4 decoded events
    expect(req.bytes).toBeLessThan(4 * 140);
  }
  expect(r.passed).toBe(true);
});

test('a compressed error body is decoded into the failure message', async () => {
  const r = await run('enc=gzip&status=502', '1x1');
  const req = r.requests[0]!;
  expect(req.category).toBe('http_5xx');
  expect(req.error).toBe('HTTP 502: upstream exploded: database is locked');
});
