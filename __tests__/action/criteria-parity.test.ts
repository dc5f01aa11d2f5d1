// One defaults rule for both adapters: the same inputs through the bundled Action (which always
// passes action.yml's default criteria text) and the CLI (which passes nothing) give the same
// criteria, with the server side's additions, and the same verdict. Before, a failing health-url
// and an ERROR in the logs passed in the Action and failed 3 criteria in the CLI.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../src/core/report-types.js';
import { runCli } from '../helpers/cli.js';
import { cleanupRuns, ensureActionBundle, runAction, scheduleEvent } from '../helpers/run-action.js';
import { startProcsServer } from '../helpers/servers/procs.js';
import type { TestServer } from '../helpers/servers/http.js';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  ensureActionBundle();
  server = await startProcsServer();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-parity-'));
}, 240_000);
afterAll(async () => {
  await server?.close();
  cleanupRuns();
  rmSync(dir, { recursive: true, force: true });
});

test('a failing health-url and logged errors: the same criteria and verdict in the Action and the CLI', async () => {
  const inputs = {
    url: `${server.url}/chat`,
    method: 'GET',
    stages: '1x2',
    'health-url': '/healthz-503',
    // Error lines all along: whenever stage 1 runs, some of them are its own.
    'logs-command': 'while :; do echo "ERROR upstream refused"; sleep 0.05; done',
  };
  const action = await runAction({ event: { name: 'schedule', payload: scheduleEvent() }, inputs, timeoutMs: 60_000 });
  const actionReport = JSON.parse(action.reportText!) as Report;

  const cliPath = join(dir, 'cli.json');
  const flags = Object.entries({ ...inputs, 'report-path': cliPath }).flatMap(([k, v]) => [`--${k}`, v]);
  const cli = await runCli(flags, { cwd: dir, env: {} });
  const cliReport = JSON.parse(readFileSync(cliPath, 'utf8')) as Report;

  const criteria = (r: Report) => r.criteria.map((c) => `${c.text} @${c.users ?? '-'}: ${c.status}`);
  expect(criteria(actionReport)).toEqual(criteria(cliReport));
  for (const r of [actionReport, cliReport]) {
    const failed = r.criteria.filter((c) => c.status === 'fail').map((c) => c.text);
    expect(failed).toEqual(expect.arrayContaining(['health.max < 2s', 'health.errors == 0', 'log_errors == 0']));
    expect(r.passed).toBe(false);
  }
  expect({ code: action.code, log: action.code === 1 ? '' : action.log + action.stderr }).toEqual({ code: 1, log: '' });
  expect(action.outputs.passed).toBe('false');
  expect({ code: cli.code, out: cli.code === 1 ? '' : cli.out + cli.err }).toEqual({ code: 1, out: '' });
});
