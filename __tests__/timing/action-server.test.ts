// The server side in the bundled action, run as a runner runs it: monitors and the log follower go
// through @actions/exec, and nothing they print becomes a workflow command or leaks a secret.
// Every stage must last a few monitor intervals to get a sample: a timing test, run serially.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, runAction } from '../helpers/run-action.js';
import type { Report } from '../../src/core/report-types.js';

const GITHUB_TOKEN = 'ghs_serverGithubToken_1a2b3c4d';
const TARGET_TOKEN = 'sk-live-ServerSecret-9191-zz';

let demo: SpawnedDemo;
let api: FakeGitHub;
let dir: string;

beforeAll(async () => {
  ensureActionBundle();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-action-server-'));
  demo = await spawnDemo({ log: join(dir, 'app.log') });
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
}, 240_000);

afterAll(async () => {
  await api?.close();
  await demo?.close();
  cleanupRuns();
  rmSync(dir, { recursive: true, force: true });
});

test('monitors and logs in the action: figures in the report and the summary, no workflow command, no secret', async () => {
  const logFile = join(dir, 'app.log');
  const run = await runAction({
    event: { name: 'pull_request', payload: pullRequestEvent({ number: 7, headSha: 'a'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: GITHUB_TOKEN,
    sha: 'b'.repeat(40),
    inputs: {
      url: `${demo.url}/v1/chat?mode=async&delay=300&events=3&interval=5`,
      token: TARGET_TOKEN,
      stages: '1x1, 3x2',
      cooldown: '100ms',
      'health-url': '/healthz',
      monitor: [
        `mem: ps -o rss= -p ${demo.pid}`,
        // A hostile command: workflow commands on stdout and stderr, and the secret from the environment.
        `evil: echo "::error title=x::pwned 42 $TTFC_TEST_SECRET"; echo "::warning::pwned-stderr $TTFC_TEST_SECRET" >&2; exit 3`,
      ].join('\n'),
      'monitor-interval': '200ms',
      'logs-command': `sh -c 'echo "::error::pwned-log ${TARGET_TOKEN}"; exec tail -n0 -F ${logFile}'`,
      criteria: 'success_rate >= 100%\nhealth.errors == 0\nmonitor.mem.max > 1000',
    },
    env: { TTFC_TEST_SECRET: TARGET_TOKEN },
  });
  if (run.code !== 0) throw new Error(`exit ${run.code}\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
  expect(run.annotations.filter((a) => a.message.includes('pwned'))).toEqual([]);
  expect(run.stdout.split('\n').filter((l) => /^\s*::(error|warning)/.test(l))).toEqual([]);
  // The warning names the command's stderr line (redacted), inside a line of ours.
  expect(run.stdout).toMatch(/^server: monitor evil: exited with 3: .*pwned-stderr \*\*\*$/m);
  for (const text of [run.log, run.stderr, run.summary, run.reportText ?? '']) expect(text).not.toContain(TARGET_TOKEN);
  const report = JSON.parse(run.reportText!) as Report;
  expect(report.server!.monitors.find((m) => m.name === 'mem')!.samples.length).toBeGreaterThanOrEqual(3);
  expect(report.server!.logs!.before).toEqual({ lines: 1, errors: 1 });
  expect(report.server!.health!.stages.map((s) => s.users)).toEqual([1, 3]);
  expect(run.summary).toContain('### Server');
  expect(run.summary).toContain('mem over time');
  for (const c of report.criteria) expect(c.status).toBe('pass');
}, 120_000);
