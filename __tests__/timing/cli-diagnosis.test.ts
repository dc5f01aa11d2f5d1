// The CLI on a blocking handler: the serialized diagnosis, whose detection depends on wall-clock
// timing (the staircase of first chunks), so it runs in the serial timing project.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import type { Report } from '../../src/core/report-types.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';

let demo: SpawnedDemo;
let dir: string;
beforeAll(async () => {
  demo = await spawnDemo();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-cli-'));
});
afterAll(async () => {
  await demo.close();
});

const cli = (...argv: string[]): Promise<CliRun> => runCli(argv, { env: { SECRET_ENV: 'from-env' }, cwd: dir });

test('a blocking handler: the serialized diagnosis with its evidence in the terminal, the JSON report and the markdown', async () => {
  const report = join(dir, 'blocking.json');
  const r = await cli(
    '--url',
    `${demo.url}/chat?mode=blocking&delay=80&events=2&interval=10`,
    '--method',
    'GET',
    '--stages',
    '1x1, 6x1',
    '--cooldown',
    '10ms',
    '--warmup',
    '1',
    '--criteria',
    '@6: ttfc.avg < 1ms warn\nerrors == 0',
    '--report-path',
    report,
  );
  expect(r.code).toBe(0); // a diagnosis never fails the check; the warn criterion does not either
  expect(r.out).toMatch(/^ttfc-gate .*, stages 1x1, 6x1, warmup 1, verdict strict$/m);
  expect(r.out).toMatch(/^warm-up done: 1\/1 ok; ttfc \d+ ms$/m);
  // One line a diagnosis, then each stage's message and its evidence in words.
  expect(r.out).toMatch(
    /^diagnosis serialized at 6 users: one request at a time up to the first chunk \(TTFC [\d.]+× that of 1 user, first chunks ~\d+ ms apart\) — look for a blocking call/m,
  );
  expect(r.out).toMatch(/^ {2}6 users: throughput is [\d.]+× that of 1 user and TTFC grew [\d.]+× .*one after another, about \d+ ms apart: requests look served one at a time/m);
  expect(r.out).toMatch(/^ {4}TTFC avg vs 1 user: \d+ ms vs \d+ ms \([\d.]+×\)$/m);
  expect(r.out).toMatch(/^ {4}First wave: 6 requests, first chunks from \d+ ms to \d+ ms$/m);
  expect(r.out).not.toMatch(/referenceUsers|ttfcGrowth/);
  expect(r.out).toMatch(/^WARN +@6: ttfc\.avg < 1ms warn +6 users +actual \d+ ms vs 1 ms \(95% CI /m);
  expect(r.out).toContain('TTFC (ms)'); // the ASCII chart
  expect(r.out).toMatch(/^PASSED with 1 warning$/m);
  const json = JSON.parse(readFileSync(report, 'utf8')) as Report;
  expect(json.diagnoses.map((d) => `${d.kind}@${d.users}`)).toEqual(['serialized@6']);
  expect(json.diagnoses[0]!.evidence).toMatchObject({ referenceUsers: 1, firstWave: { requests: 6 } });
  expect(json.efficiency!.map((e) => e.users)).toEqual([1, 6]);
  expect(json.stages[1]!.ttfcInterval!.avg!.low).toBeLessThanOrEqual(json.stages[1]!.ttfc.avg!);
  expect(json.warmup).toMatchObject({ requests: 1, succeeded: 1 });
  expect(json.requests).toHaveLength(7);
  expect(json.config).toMatchObject({ verdict: 'strict', repeat: 1, warmup: 1, baseline: null, regressionThreshold: 0.2 });
  const md = renderMarkdown(json);
  expect(md).toMatch(/^- \*\*serialized\*\* at 6 users: one request at a time up to the first chunk /m);
  expect(md).toMatch(/^- 6 users: throughput is /m); // the full message, collapsed
  expect(md).toMatch(/^\| Read as \| 1 at a time, groups \d+\u00A0ms apart: each request holds its place for its first chunk/m);
  expect(md).toContain('xychart-beta');
});
