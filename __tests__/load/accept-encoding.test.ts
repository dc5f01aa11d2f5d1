// Requests ask for compressed answers as browsers do, so a proxy that compresses (and so buffers)
// event streams is measured as users meet it; a headers line overrides the default.
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { startCompressedServer } from '../helpers/servers/compressed.js';
import type { TestServer } from '../helpers/servers/http.js';

let server: TestServer;
beforeAll(async () => {
  server = await startCompressedServer();
});
afterAll(async () => {
  await server.close();
});

const run = (headers?: string) =>
  runGate(
    buildConfig(
      { url: `${server.url}/sse?enc=gzip&delay=0&interval=0&events=1`, method: 'GET', stages: '1x1', criteria: 'errors == 0', ...(headers ? { headers } : {}) },
      { env: {} },
    ),
    { noWrite: true },
  );

test('the default request carries Accept-Encoding: gzip, deflate, br, and the gzip answer is decoded', async () => {
  const before = server.requests.length;
  const r = await run();
  expect(server.requests.slice(before).map((q) => q.headers['accept-encoding'])).toEqual(['gzip, deflate, br']);
  expect(r.requests[0]).toMatchObject({ ok: true, events: 1, encoding: 'gzip' });
});

test('a headers line overrides it (one header, whatever its case)', async () => {
  const before = server.requests.length;
  await run('Accept-Encoding: identity');
  expect(server.requests.slice(before).map((q) => q.headers['accept-encoding'])).toEqual(['identity']);
});
