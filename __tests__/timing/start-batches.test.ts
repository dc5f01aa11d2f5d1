// A stage's users start a batch per event-loop turn: the first users' requests are on the wire
// while later users are still being started, so no request waits (inside its TTFC) for the client
// to issue every other user's. Issued all in one turn, none would reach the server before the last.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseStages } from '../../src/core/config/stages.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad } from '../../src/core/load/runner.js';

test('at 320 users, the first requests reach the server before the last user is started', async () => {
  let arrived = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    arrived++;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: hi\n\n');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let arrivedBeforeLast = -1;
  try {
    const run = await runLoad(
      {
        spec: { origin: url, path: '/sse', method: 'GET', timeoutMs: 10_000, format: 'auto', preset: getPreset('generic') },
        render: (c) => {
          if (c.user === 320 && c.iteration === 1) arrivedBeforeLast = arrived;
          return { headers: {}, body: null };
        },
      },
      { stages: parseStages('320x1'), cooldownMs: 0 },
    );
    expect(run.requests.filter((r) => r.ok)).toHaveLength(320);
    expect(run.stages[0]!.connections).toBe(320);
    // 10 batches, 9 turns between them: the first batch's requests are answered well before
    expect(arrivedBeforeLast).toBeGreaterThan(0);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});
