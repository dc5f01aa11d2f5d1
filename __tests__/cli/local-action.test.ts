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
    // A criterion that does not depend on the machine's speed: on a loaded CI runner the default
    // TTFC bounds can be missed, and this test is about the action running, not about its latency.
    writeFileSync(join(dir, '.env'), `${env}\nINPUT_COOLDOWN=0\nINPUT_CRITERIA=success_rate == 100%\n`);
    const r = run(dir);
    // The output's last lines in the failure message: a status alone does not say what went wrong.
    const tail = r.stdout.split('\n').slice(-40).join('\n');
    expect({ status: r.status, stderr: r.stderr, tail }).toEqual({ status: 0, stderr: expect.not.stringMatching(/^\s+at /m), tail: expect.any(String) });
    expect(r.stdout).toContain('TTFC gate passed');
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ passed: true, stages: [{ users: 1 }, { users: 2 }] });
  } finally {
    await demo.close();
  }
});
