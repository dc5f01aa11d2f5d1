// The bundled action, run as a runner runs it, with hostile monitor and logs commands: the step ends
// with its work and leaves nothing running, and a SIGTERM mid-stage gives the partial report,
// summary, outputs and the cancelled comment within 5 s. A health-url that never answers and a ReDoS
// log pattern do not hold the step either.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../src/core/report-types.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { HOSTILE_COMMANDS } from '../helpers/hostile-commands.js';
import { killLeft, leftAfter } from '../helpers/procs.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, REPO, runAction, type ActionRun } from '../helpers/run-action.js';
import type { TestServer } from '../helpers/servers/http.js';
import { startProcsServer } from '../helpers/servers/procs.js';

const GITHUB_TOKEN = 'ghs_procsGithubToken_0a1b2c3d';
const { owner, repo } = REPO;
let server: TestServer;
let api: FakeGitHub;
let dir: string;
const markers: string[] = [];

beforeAll(async () => {
  ensureActionBundle();
  server = await startProcsServer();
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'ttfc-procs-action-'));
}, 240_000);
afterAll(async () => {
  for (const m of markers) killLeft(m);
  await api?.close();
  await server?.close();
  cleanupRuns();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => api.reset());

interface Timed extends ActionRun {
  ms: number;
  msAfterSignal: number | null;
}

async function run(inputs: Record<string, string>, cancel?: { trigger: string; afterMs: number }): Promise<Timed> {
  const started = Date.now();
  let signalledAt: number | null = null;
  let armed = false;
  const r = await runAction({
    event: { name: 'pull_request', payload: pullRequestEvent({ number: 21, headSha: 'd'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: GITHUB_TOKEN,
    inputs: { url: `${server.url}/chat?delay=20`, method: 'GET', cooldown: '200ms', criteria: 'errors == 0', ...inputs },
    timeoutMs: 60_000,
    onStdout: (out, child) => {
      if (!cancel || armed || !out.includes(cancel.trigger)) return;
      armed = true;
      setTimeout(() => {
        signalledAt = Date.now();
        child.kill('SIGTERM');
      }, cancel.afterMs);
    },
  });
  const end = Date.now();
  return { ...r, ms: end - started, msAfterSignal: signalledAt === null ? null : end - signalledAt };
}

const report = (r: ActionRun): Report => JSON.parse(r.reportText!) as Report;

describe.each(HOSTILE_COMMANDS)('monitor and logs-command: $name', (hostile) => {
  const inputs = (c: { monitor: string; logs: string }) => ({
    monitor: `m: ${c.monitor}`,
    'monitor-interval': '200ms',
    'monitor-timeout': '1s',
    'logs-command': c.logs,
  });

  test('the step ends with its work, nothing left running', async () => {
    const c = hostile.make(dir);
    markers.push(c.marker);
    const r = await run({ ...inputs(c), stages: '1x1' });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.ms).toBeLessThan(20_000);
    expect(r.outputs.passed).toBe('true');
    expect(report(r).server!.monitors.map((m) => m.name)).toEqual(['m']);
    expect(api.comments(owner, repo, 21)).toHaveLength(1);
    expect(await leftAfter(c.marker)).toEqual([]);
  });

  test('SIGTERM mid-stage: partial report, summary, outputs and the cancelled comment within 5 s', async () => {
    const c = hostile.make(dir);
    markers.push(c.marker);
    const r = await run({ ...inputs(c), stages: '1x1, 2x400' }, { trigger: 'stage 2/2', afterMs: 700 });
    expect(r.msAfterSignal!).toBeLessThan(5000);
    // The gate's own failure (a cancelled run), not the signal's 143.
    expect(r.code).toBe(1);
    const rep = report(r);
    expect(rep.cancelled).toBe(true);
    expect(rep.requests).toHaveLength(rep.stages.reduce((n, s) => n + s.issued, 0));
    expect(r.outputs.passed).toBe('false');
    expect(r.summary).toContain('cancelled');
    expect(r.annotations.some((a) => a.level === 'error' && /cancelled/.test(a.message))).toBe(true);
    const comments = api.comments(owner, repo, 21);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('cancelled');
    expect(await leftAfter(c.marker)).toEqual([]);
  });
});

test('a health-url that accepts and never answers (timeout 1h): failed probes, the step ends, the comment says so', async () => {
  const r = await run({ stages: '1x1', timeout: '1h', 'health-url': '/silent', criteria: '' });
  expect(r.ms).toBeLessThan(20_000);
  expect(r.code).toBe(1);
  const rep = report(r);
  expect(rep.server!.health!.errors[0]!.message).toBe('no answer within 2000 ms');
  expect(rep.criteria.find((c) => c.text === 'health.errors == 0')!.status).toBe('fail');
  expect(api.comments(owner, repo, 21)[0]!.body).toContain('health.errors');
});

test('log-error-pattern (a+)+$ against a real log: the step is unharmed', async () => {
  const line = `${'a'.repeat(40)}!`;
  const r = await run({
    stages: '1x5',
    timeout: '10s',
    'logs-command': `while :; do echo '${line}'; echo 'aaaa'; sleep 0.02; done`,
    'log-error-pattern': '(a+)+$',
    criteria: 'errors == 0\nlog_errors >= 1',
  });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const rep = report(r);
  expect(rep.stages[0]!.succeeded).toBe(5);
  expect(rep.server!.logs!.stages[0]!.errors).toBeGreaterThan(0);
});
