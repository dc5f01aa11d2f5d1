// Same-run A/B: the smoke stage checks the compare target too. An unreachable compare-url fails the
// run at the first stage, skips the rest on both sides, and every report names compare-url.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import { startDemoServer, type DemoServer } from '../../src/demo/server.js';

let head: DemoServer;
let closedPort: number;
beforeAll(async () => {
  head = await startDemoServer();
  // A port that was just free: nothing listens there.
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
});
afterAll(async () => {
  await head.close();
});

const inputs = () => ({
  url: `${head.url}/chat?delay=5&events=2&interval=1`,
  'compare-url': `http://127.0.0.1:${closedPort}/chat`,
  stages: '1x2, 5x2',
  cooldown: '0',
  timeout: '5s',
});

test('an unreachable compare target fails the smoke stage with a message naming compare-url', async () => {
  const report = await runGate(buildConfig(inputs(), { env: {} }), { noWrite: true });
  expect(report.passed).toBe(false);
  expect(report.smokeFailed).toBe(true);
  expect(report.compare!.smokeFailed).toBe(true);
  // The head's first stage worked; the rest was skipped on both sides.
  expect(report.stages.map((s) => [s.skipped, s.succeeded])).toEqual([
    [false, 2],
    [true, 0],
  ]);
  expect(report.compare!.stages.map((s) => [s.base.skipped, s.base.succeeded])).toEqual([
    [false, 0],
    [true, 0],
  ]);
  const smoke = report.diagnoses.filter((d) => d.kind === 'smoke');
  expect(smoke).toHaveLength(1);
  expect(smoke[0]!.message).toMatch(
    new RegExp(
      `^smoke test failed: no request of the first stage to the compare target \\(compare-url http://127\\.0\\.0\\.1:${closedPort}/chat\\) succeeded \\(connection: .+\\); the remaining stages were skipped$`,
    ),
  );
  expect(report.compare!.errorSamples[0]).toMatchObject({ stage: 1, category: 'connection' });
  const md = renderMarkdown(report);
  // Errors grouped with counts: Count | Category | Status | Stages | Message, the base's stage marked.
  expect(md).toMatch(/^\| \d+ \| `connection` \| — \| 1 \(base\) \|/m);
  expect(md).toMatch(/^## ❌ TTFC gate failed: smoke test failed \(no request of the first stage to the compare target \(`compare-url`\) succeeded\)/m);
});

test('the CLI exits 1 and says compare-url', async () => {
  const out: string[] = [];
  const flags = Object.entries(inputs()).flatMap(([k, v]) => [`--${k}`, v]);
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-ab-'));
  const code = await main([...flags, '--report-path', join(dir, 'r.json')], { out: (l) => out.push(l), err: (l) => out.push(l), env: {}, cwd: dir });
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(1);
  const text = out.join('\n');
  expect(text).toContain('FAILED: smoke test failed (no request of the first stage to the compare target (compare-url) succeeded)');
  expect(text).toMatch(/diagnosis smoke at 1 user: smoke test failed: no request of the first stage to the compare target \(compare-url /);
});

test("with repeat, each stage's base comes from the run its head was chosen from", async () => {
  const report = await runGate(
    buildConfig({ ...inputs(), 'compare-url': `${head.url}/chat?delay=5&events=2&interval=1&side=base`, stages: '1x2, 3x2', repeat: '3' }, { env: {} }),
    {
      noWrite: true,
    },
  );
  expect(report.smokeFailed).toBe(false);
  expect(report.repeat!.runs).toBe(3);
  const c = report.compare!;
  expect(c.stages.map((s) => [s.index, s.base.issued, s.order])).toEqual([
    [1, 2, 'HB BH'],
    [2, 6, 'BH HB'],
  ]);
  expect(c.requests.filter((r) => r.stage === 1)).toHaveLength(2);
  expect(c.requests.filter((r) => r.stage === 2)).toHaveLength(6);
  // The base records are those of the chosen run: its rounds interleave with the head's (another
  // run's would lie wholly before or after them).
  for (const s of report.stages) {
    const h = report.requests.filter((r) => r.stage === s.index).map((r) => r.startedAt);
    const b = c.requests.filter((r) => r.stage === s.index).map((r) => r.startedAt);
    expect(Math.min(...b)).toBeLessThan(Math.max(...h));
    expect(Math.min(...h)).toBeLessThan(Math.max(...b));
  }
  expect(c.warmup).toMatchObject({ requests: 1 });
});
