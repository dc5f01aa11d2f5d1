// The capacity inputs: every bad one is an input error naming the input, before any load; the
// settings and the stages that run before the search.
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { InputError } from '../../src/core/errors.js';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../lib/src/cli/index.js', import.meta.url));

const URL_ = 'http://127.0.0.1:9/chat';
const build = (inputs: Inputs) => buildConfig({ url: URL_, ...inputs }, { env: {} });

function inputError(inputs: Inputs): InputError {
  try {
    build(inputs);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error(`no input error for ${JSON.stringify(inputs)}`);
}

test('defaults: 256 users, 3 requests, 10%, 5m; the implied success rate; only a 1x1 smoke stage before the search', () => {
  const cfg = build({ capacity: 'ttfc.p95 < 2s' });
  expect(cfg.capacity).toMatchObject({
    sloText: ['ttfc.p95 < 2s'],
    implied: ['success_rate >= 99%'],
    maxUsers: 256,
    requestsPerUser: 3,
    resolution: { kind: 'fraction', value: 0.1 },
    budgetMs: 300_000,
  });
  expect(cfg.capacity!.slo.map((c) => c.text)).toEqual(['ttfc.p95 < 2s', 'success_rate >= 99%']);
  expect(cfg.stages).toEqual([{ users: 1, requestsPerUser: 1 }]);
  // The default stages as the Action passes them are "not given" too; other stages run first.
  expect(build({ capacity: 'ttfc.p95 < 2s', stages: '1x1, 10x3, 20x2' }).stages).toEqual([{ users: 1, requestsPerUser: 1 }]);
  expect(build({ capacity: 'ttfc.p95 < 2s', stages: '1x1, 5x2' }).stages).toEqual([
    { users: 1, requestsPerUser: 1 },
    { users: 5, requestsPerUser: 2 },
  ]);
  expect(build({}).capacity).toBeNull();
  expect(build({}).stages).toHaveLength(3);
});

test('settings: several SLO lines, a success_rate line replaces the implied one, resolution in users, budget', () => {
  const cfg = build({
    capacity: 'ttfc.p95 < 2s\n# a comment\nttft.p99 < 4s\nsuccess_rate >= 99.9%',
    'capacity-max-users': '64',
    'capacity-requests': '2',
    'capacity-resolution': '2',
    'capacity-budget': '90s',
  });
  expect(cfg.capacity).toMatchObject({ sloText: ['ttfc.p95 < 2s', 'ttft.p99 < 4s', 'success_rate >= 99.9%'], implied: [], maxUsers: 64, requestsPerUser: 2, budgetMs: 90_000 });
  expect(cfg.capacity!.resolution).toEqual({ kind: 'users', value: 2 });
  expect(build({ capacity: 'rps > 5', 'capacity-resolution': '25%' }).capacity!.resolution).toEqual({ kind: 'fraction', value: 0.25 });
});

test.each<[string, Inputs, string, RegExp]>([
  ['a stage selector', { capacity: '@10: ttfc.p95 < 2s' }, 'capacity', /line 1: "@10: ttfc.p95 < 2s" has a stage selector \(@10:\)/],
  ['a count', { capacity: 'errors == 0' }, 'capacity', /errors is a count, not a latency or a rate/],
  ['a server figure', { capacity: 'health.p95 < 200ms', 'health-url': '/health' }, 'capacity', /health\.p95 is a server-side figure/],
  ['capacity itself', { capacity: 'capacity > 2' }, 'capacity', /capacity is the search's own result/],
  ['a factor', { capacity: 'ttfc.p95 < 2 * ttfc.avg' }, 'capacity', /takes a fixed threshold/],
  ['a warn line', { capacity: 'ttfc.p95 < 2s warn' }, 'capacity', /is a warning/],
  ['a syntax error', { capacity: 'ttfc.p95 << 2s' }, 'capacity', /line 1, column 10: unknown operator "<<"/],
  ['no line', { capacity: '# nothing' }, 'capacity', /holds no SLO line/],
  ['max-users 0', { capacity: 'ttfc.p95 < 2s', 'capacity-max-users': '0' }, 'capacity-max-users', /0 is out of range: 1 to 10000/],
  ['max-users not a number', { capacity: 'ttfc.p95 < 2s', 'capacity-max-users': 'lots' }, 'capacity-max-users', /"lots" is not a whole number/],
  ['a budget of 0', { capacity: 'ttfc.p95 < 2s', 'capacity-budget': '0s' }, 'capacity-budget', /must be greater than zero/],
  ['a budget of 7h', { capacity: 'ttfc.p95 < 2s', 'capacity-budget': '7h' }, 'capacity-budget', /too long: at most 6h/],
  ['requests 0', { capacity: 'ttfc.p95 < 2s', 'capacity-requests': '0' }, 'capacity-requests', /out of range: 1 to 100/],
  ['too many requests', { capacity: 'ttfc.p95 < 2s', 'capacity-requests': '100', 'capacity-max-users': '5000' }, 'capacity-requests', /more than 100000 requests a probe/],
  ['resolution 0%', { capacity: 'ttfc.p95 < 2s', 'capacity-resolution': '0%' }, 'capacity-resolution', /more than 0% and at most 100%/],
  ['resolution words', { capacity: 'ttfc.p95 < 2s', 'capacity-resolution': 'fine' }, 'capacity-resolution', /not a share of the users/],
  ['with shard', { capacity: 'ttfc.p95 < 2s', shard: '1/2' }, 'capacity', /cannot be combined with shard/],
  ['a setting without capacity', { 'capacity-budget': '1m' }, 'capacity-budget', /only applies with capacity/],
  ['a capacity criterion without capacity', { criteria: 'capacity >= 4' }, 'criteria', /line 1: "capacity >= 4" needs the capacity search: set capacity/],
  ['a scoped capacity criterion', { capacity: 'ttfc.p95 < 2s', criteria: '@10: capacity >= 4' }, 'criteria', /one figure of the run, not of a stage: drop @10:/],
  [
    'capacity against another metric',
    { capacity: 'ttfc.p95 < 2s', criteria: 'capacity >= 2 * errors' },
    'criteria',
    /capacity can only be compared with compare.capacity or a number/,
  ],
  ['another metric against capacity', { capacity: 'ttfc.p95 < 2s', criteria: 'errors < 0.1 * capacity' }, 'criteria', /capacity can only be compared with capacity/],
  ['baseline.capacity', { capacity: 'ttfc.p95 < 2s', criteria: 'capacity >= 0.9 * baseline.capacity' }, 'criteria', /baseline report's capacity is not compared/],
  ['compare.capacity without compare-url', { capacity: 'ttfc.p95 < 2s', criteria: 'capacity >= 0.9 * compare.capacity' }, 'criteria', /no compare target is set/],
])('%s is an input error', (_, inputs, input, message) => {
  const e = inputError(inputs);
  expect(e.input).toBe(input);
  expect(e.detail).toMatch(message);
});

test('capacity-max-users above what this process can hold open fails before any load (twice the users with compare-url)', () => {
  // The CLI as a process whose hard open-file limit is 300: 400 users cannot fit, 200 cannot with compare-url.
  const run = (extra: string): { status: number | null; stderr: string } => {
    const r = spawnSync('bash', ['-c', `ulimit -n 300 && exec "$0" "$1" --url ${URL_} --capacity 'ttfc.p95 < 2s' ${extra}`, process.execPath, CLI], {
      encoding: 'utf8',
      cwd: tmpdir(),
    });
    return { status: r.status, stderr: r.stderr };
  };
  const alone = run('--capacity-max-users 400');
  expect(alone.status).toBe(2);
  expect(alone.stderr).toMatch(/^ttfc-gate: capacity-max-users: 400 users need 400 connections open at once, but this process can open files for at most \d+ users/);
  const ab = run('--capacity-max-users 200 --compare-url http://127.0.0.1:9/base');
  expect(ab.status).toBe(2);
  expect(ab.stderr).toMatch(/capacity-max-users: 200 users need 400 connections open at once \(head and base\)/);
  expect(run('--capacity-max-users 100 --report-path /dev/null/x').stderr).not.toMatch(/capacity-max-users/);
});
