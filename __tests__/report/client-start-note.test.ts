// The terminal's connect column at thousands of users is mostly the client's own start (each user's
// connect counts from its start, and no completed connection is taken before the client is done
// starting them all): where the stage's startBusyMs is most of its connect avg, the report says so.
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { renderTerminal } from '../../src/core/report/terminal.js';
import { startDemoServer, type DemoServer } from '../../src/demo/server.js';
import type { Report } from '../../src/core/report-types.js';

let demo: DemoServer;
let report: Report;
beforeAll(async () => {
  demo = await startDemoServer();
  report = await runGate(buildConfig({ url: `${demo.url}/chat?mode=async&delay=5&events=2&interval=1`, method: 'GET', stages: '1x1, 5x1', cooldown: '0' }, { env: {} }));
});
afterAll(() => demo.close());

const note = (r: Report): string | undefined =>
  renderTerminal(r)
    .split('\n')
    .find((l) => l.startsWith('connect counts from'));

/** The report with stage 2's start busy time and connect avg set. */
function withStart(busyMs: number, connectAvg: number): Report {
  const r = structuredClone(report);
  const s = r.stages[1]!;
  s.concurrency = { ...s.concurrency!, startBusyMs: busyMs };
  s.connect = { ...s.connect, avg: connectAvg };
  return r;
}

test('a few users start at once: no note', () => {
  expect(report.stages[1]!.concurrency!.startBusyMs).toBeLessThan(50);
  expect(note(report)).toBeUndefined();
});

test("a start that is most of the stage's connect avg is named beside the table", () => {
  expect(note(withStart(650, 700))).toBe(
    "connect counts from each user's start: starting its users kept this client busy for 650 ms at stage 2 (5 users), and no connection could be taken before",
  );
});

test("a connect avg far above the client's start is the server's or the network's: no note", () => {
  expect(note(withStart(650, 2000))).toBeUndefined();
  expect(note(withStart(40, 60))).toBeUndefined();
});
