// `npm run local-action` (scripts/local-action.mjs): without its .env one line that says how to
// make one, exit 1; a directory in its place likewise; with one, the action runs as the runner
// would (@github/local-action) against the demo server and passes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDemo } from '../helpers/demo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = join(root, 'scripts', 'local-action.mjs');
const run = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

test('no .env: one line naming the file and how to create it, exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-local-action-'));
  expect(run(dir)).toMatchObject({
    status: 1,
    stdout: '',
    stderr: 'local-action: no .env: create it from the example (cp .env.example .env) and set INPUT_URL to your endpoint\n',
  });
  expect(run(dir, 'other.env').stderr).toBe('local-action: no other.env: create it from the example (cp .env.example .env) and set INPUT_URL to your endpoint\n');
  mkdirSync(join(dir, '.env'));
  expect(run(dir)).toMatchObject({ status: 1, stderr: 'local-action: .env is not a file\n' });
});

test('with an env file, the action runs against the target and passes', async () => {
  const demo = await spawnDemo();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'ttfc-local-action-'));
    const report = join(dir, 'report.json');
    // The example file, pointed at this demo server and at a report in the temporary directory.
    const env = readFileSync(join(root, '.env.example'), 'utf8')
      .replace(/^INPUT_URL=.*$/m, `INPUT_URL=${demo.url}/chat?mode=async&delay=10`)
      .replace(/^INPUT_STAGES=.*$/m, 'INPUT_STAGES=1x1, 2x1')
      .replace(/^INPUT_REPORT-PATH=.*$/m, `INPUT_REPORT-PATH=${report}`);
    // A criterion that does not depend on the machine's speed: this test is about the action running.
    writeFileSync(join(dir, '.env'), `${env}\nINPUT_COOLDOWN=0\nINPUT_CRITERIA=success_rate == 100%\n`);
    // As under an outer `npx -c '…'` (CI runs the suite on Node 24 that way): the tool's own
    // `npm exec tsx` must not take the outer command for its own.
    const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_call: 'echo outer command' } });
    // The output's end in the failure message: a status alone does not say what went wrong.
    if (r.status !== 0) throw new Error(`local-action exited ${r.status}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toContain('TTFC gate passed');
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ passed: true, stages: [{ users: 1 }, { users: 2 }] });
  } finally {
    await demo.close();
  }
});
