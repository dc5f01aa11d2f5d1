// A user's next request goes out on its socket as soon as the last response completes, as a
// browser's does, not a check phase later: what the client does in the rest of that event-loop turn
// (other users' I/O, here a 20 ms busy setImmediate) is no part of the next request's TTFC.
import { spawn, type ChildProcess } from 'node:child_process';
import { parseStages } from '../../src/core/config/stages.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad } from '../../src/core/run/run-load.js';

// In its own process, so the client's busy loop does not delay it: per socket, the time from a
// response flushed to the next request's arrival (ms), served on GET /gaps.
const SERVER = `
const http = require('node:http');
const gaps = [];
const ended = new WeakMap();
const s = http.createServer((req, res) => {
  const t = process.hrtime.bigint();
  if (req.url === '/gaps') {
    res.end(JSON.stringify(gaps));
    gaps.length = 0;
    return;
  }
  const last = ended.get(req.socket);
  if (last !== undefined) gaps.push(Number(t - last) / 1e6);
  // 40 ms later: by then the client's busy turn (below) is over, it reads the response at once
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: hi\\n\\n', () => ended.set(req.socket, process.hrtime.bigint()));
  }, 40);
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

let server: ChildProcess;
let url: string;
beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  url = `http://127.0.0.1:${await new Promise<string>((r) => server.stdout!.once('data', (d: Buffer) => r(d.toString().trim())))}`;
});
afterAll(() => {
  server.kill();
});

// POST is what LLM endpoints take: undici holds a non-idempotent request while another is running,
// so it goes out through a different path than GET's.
test.each([
  ['GET', null],
  ['POST', '{"prompt":"hi"}'],
])('%s: the next request is written at once, not after the rest of the loop turn', async (method, body) => {
  const SPIN_MS = 20;
  // Other work of the loop turn in which a response completes: queued, as each next request is
  // rendered, for the check phase (a 20 ms busy setImmediate).
  const spin = (): void => {
    const end = performance.now() + SPIN_MS;
    while (performance.now() < end);
  };
  const run = await runLoad(
    {
      spec: { origin: url, path: '/sse', method, timeoutMs: 10_000, format: 'auto', preset: getPreset('generic') },
      render: () => {
        setImmediate(spin);
        const headers: Record<string, string> = body === null ? {} : { 'content-type': 'application/json' };
        return { headers, body };
      },
    },
    { stages: parseStages('1x12'), cooldownMs: 0 },
  );
  expect(run.requests.every((r) => r.ok)).toBe(true);
  expect(run.stages[0]!.connections).toBe(1);
  const gaps = (await (await fetch(`${url}/gaps`)).json()) as number[];
  expect(gaps).toHaveLength(11);
  // held back to the check phase, every gap would be at least SPIN_MS
  const median = [...gaps].sort((a, b) => a - b)[5]!;
  expect(median).toBeLessThan(SPIN_MS / 2);
});
