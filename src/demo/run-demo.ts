// `npm run demo`: the demo chat server in its own process, then the gate with the default stages
// and criteria against `async` (passes) and `blocking` (fails at 10 and 20 users).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { startDemoServer } from './spawn-server.js';

const DELAY_MS = 250;

const server = await startDemoServer();
const io = { out: (l: string) => process.stdout.write(`${l}\n`), err: (l: string) => process.stderr.write(`${l}\n`), env: process.env, cwd: process.cwd() };
const results: Record<string, number> = {};
try {
  for (const mode of ['async', 'blocking']) {
    const what = mode === 'async' ? 'first event after a timer' : 'the handler blocks the event loop, as an un-offloaded DB / vector search / LLM call does';
    io.out(`\n=== mode ${mode}: ${DELAY_MS} ms before the first event; ${what}\n`);
    results[mode] = await main(
      [
        '--url',
        `${server.url}/v1/chat?mode=${mode}&delay=${DELAY_MS}&events=5&interval=20`,
        '--body',
        '{"message":"hello from user {{user}}"}',
        '--report-path',
        join(tmpdir(), `ttfc-demo-${mode}.json`),
      ],
      io,
    );
  }
} finally {
  server.stop();
}
io.out(
  `\n=== summary: async exit ${results.async} (${results.async === 0 ? 'passed' : 'failed'}), blocking exit ${results.blocking} (${results.blocking === 0 ? 'passed' : 'failed'})`,
);
if (results.async === 0 && results.blocking === 1) {
  io.out('As expected: one user sees no difference, but with 10 and 20 concurrent users the blocking handler serves requests one after another and the gate fails it.');
} else {
  io.out('Unexpected outcome: the demo expects async to pass and blocking to fail.');
  process.exitCode = 1;
}
