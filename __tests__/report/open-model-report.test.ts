// A run with rate stages, goodput and an LLM stream, through the whole gate: the JSON report carries
// the new figures under new names (the old ones unchanged), the comment and the terminal read rate
// stages as rates (never "0 users"), the sweep charts parse as mermaid, and the report is a baseline.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBaseline } from '../../src/core/analysis/baseline.js';
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import { renderTerminal } from '../../src/core/report/terminal.js';
import { startDemoServer, type DemoServer } from '../../src/demo/server.js';
import type { Report } from '../../src/core/report-types.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let demo: DemoServer;
let report: Report;
let path: string;
const lines: string[] = [];

beforeAll(async () => {
  demo = await startDemoServer();
  path = join(mkdtempSync(join(tmpdir(), 'ttfc-om-report-')), 'report.json');
  const cfg = buildConfig(
    {
      url: `${demo.url}/v1/chat/completions?format=openai&usage=chunk&delay=20&interval=5&events=6&reasoning=2`,
      preset: 'openai',
      body: '{"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]}',
      stages: '1x2, 5/s:1s, 10/s:1s',
      goodput: 'ttft < 5s\ntpot < 1s',
      criteria: 'success_rate > 95%\n@10/s: goodput_rate > 50%\n@5/s: tpot.p95 < 1s\ndropped == 0\n@1: ttfc.avg < 5s',
      'report-path': path,
      cooldown: '0',
    },
    { env: {} },
  );
  report = await runGate(cfg, { log: (l) => lines.push(l) });
}, 60_000);
afterAll(async () => {
  await demo.close();
});

test('the JSON report: rate, goodput and LLM figures added, the contract names kept', () => {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Report;
  expect(json.config).toMatchObject({ stages: '1x2, 5/s:1s, 10/s:1s', arrival: 'poisson', arrivalSeed: 1, maxInFlight: 1000, goodput: 'ttft < 5s\ntpot < 1s' });
  expect(String(json.config.body)).toContain('"stream_options":{"include_usage":true}');
  const [closed, r5, r10] = json.stages;
  expect(closed).toMatchObject({ users: 1, requestsPerUser: 2, itlPer: 'token' });
  expect(closed!.rate).toBeUndefined();
  for (const s of [r5!, r10!]) {
    expect(s).toMatchObject({ users: 0, requestsPerUser: 0, itlPer: 'token', rate: { arrival: 'poisson', seed: 1, dropped: 0, maxInFlight: 1000 } });
    expect(s.issued).toBe(s.rate!.scheduled);
    expect(s.rate!.lateness.n).toBe(s.issued);
    expect(s.goodput).toMatchObject({ slo: ['ttft < 5s', 'tpot < 1s'], good: s.issued, rate: 1 });
    for (const k of ['ttfb', 'ttfc', 'ttft', 'total', 'itl', 'connect', 'stall', 'tpot', 'ttft_reasoning', 'ttfr'] as const) expect(s[k]!.n).toBeGreaterThan(0);
    expect(s.tokens).toMatchObject({ total: 6 * s.issued, output: { avg: 6 } });
  }
  expect(r5!.rate!.offered).toBe(5);
  const rateRequests = json.requests.filter((q) => q.stage > 1);
  expect(rateRequests.every((q) => typeof q.lateness === 'number' && q.iteration === 1 && q.tokens === 6)).toBe(true);
  expect(json.requests.filter((q) => q.stage === 1).every((q) => q.lateness === undefined)).toBe(true);
  expect(json.requests.some((q) => 'tokenGaps' in q || 'gaps' in q)).toBe(false);
  expect(json.criteria.map((c) => [c.text, c.stage, c.users, c.rate ?? null, c.status])).toEqual([
    ['success_rate > 95%', 1, 1, null, 'pass'],
    ['success_rate > 95%', 2, null, 5, 'pass'],
    ['success_rate > 95%', 3, null, 10, 'pass'],
    ['@10/s: goodput_rate > 50%', 3, null, 10, 'pass'],
    ['@5/s: tpot.p95 < 1s', 2, null, 5, 'pass'],
    ['dropped == 0', 2, null, 5, 'pass'],
    ['dropped == 0', 3, null, 10, 'pass'],
    ['@1: ttfc.avg < 5s', 1, 1, null, 'pass'],
  ]);
  expect(lines.some((l) => l.includes('stream_options'))).toBe(true);
});

test('the report is a baseline: rate stages come back with their rate and figures', () => {
  const b = readBaseline(path);
  expect(b.ok).toBe(true);
  if (!b.ok) return;
  expect(b.baseline.stages.map((s) => [s.users, s.rate?.offered ?? null])).toEqual([
    [1, null],
    [0, 5],
    [0, 10],
  ]);
  expect(b.baseline.stages[1]!.goodput!.rate).toBe(1);
  expect(b.baseline.stages[1]!.tpot!.n).toBeGreaterThan(0);
});

test('the comment and the terminal read rate stages as rates', () => {
  const md = renderMarkdown(report).replace(/\u00a0/g, ' ');
  const term = renderTerminal(report);
  for (const text of [md, term]) {
    expect(text).not.toMatch(/\b0 users?\b|\b0 [×x] 0\b|\b0x0\b/);
    expect(text).toContain('10/s for 1s');
  }
  expect(md).toContain('| Load | Success | TTFC avg | TTFC p95 | TTFC max | TTFT avg | Throughput · goodput |');
  expect(md).toMatch(/\| 10\/s for 1s \| 11\/11 \|.* req\/s · 100% good \([\d.]+\/s\) \|/);
  expect(md).toContain('<summary>Arrivals: 5/s, 10/s</summary>');
  expect(md).toContain('### TTFC and goodput vs offered rate');
  expect(md).toMatch(/\| `@10\/s: goodput_rate > 50%` \| 10\/s \|/);
  expect(md).toContain('ITL avg / p95 per token');
  expect(md).toContain('TPOT avg');
  expect(term).toMatch(/rate sweep: TTFC p95 \(bar\) and goodput against the offered rate/);
  const parsed = JSON.parse(execFileSync(process.execPath, [join(root, 'scripts/mermaid-parse.mjs')], { input: md, cwd: root }).toString()) as {
    blocks: number;
    errors: unknown[];
  };
  expect(parsed).toMatchObject({ blocks: 2, errors: [] });
});
