// The CLI against a hostile preview: no escape sequence or workflow command from a server reaches
// the terminal, and Ctrl-C (SIGINT) or SIGTERM keeps what was measured.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { Report } from '../../src/core/report-types.js';
import { startHostileServer, type HostileServer } from './hostile-server.js';

const BIN = fileURLToPath(new URL('../../lib/src/cli/index.js', import.meta.url));
let server: HostileServer;
let dir: string;
beforeAll(async () => {
  server = await startHostileServer();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-hostile-cli-'));
});
afterAll(async () => {
  await server.close();
});

test.each(['/commands', '/commands-sse'])('terminal output of %s carries no escape sequence and no command', async (path) => {
  const lines: string[] = [];
  const code = await main(['--url', `${server.url}${path}`, '--method', 'GET', '--preset', 'openai', '--stages', '1x1', '--report-path', join(dir, 'r.json')], {
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    env: {},
    cwd: dir,
  });
  expect(code).toBe(1);
  const text = lines.join('\n');
  expect(text).toContain('upstream failed');
  expect(text).not.toMatch(/[\u001b\u009b\u0007\r]/);
  for (const line of text.split('\n')) {
    expect(line.trimStart().startsWith('::')).toBe(false);
    expect(line).not.toContain('##[');
  }
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI; signals it as asked once `trigger` was printed (by default: stage 2 started). */
function runCli(args: string[], signals: Array<{ signal: NodeJS.Signals; afterMs: number }>, trigger = 'stage 2/2'): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit\n${stdout}\n${stderr}`));
    }, 40_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (sent || !stdout.includes(trigger)) return;
      sent = true;
      for (const s of signals) setTimeout(() => child.kill(s.signal), s.afterMs);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('cancelled mid-stage', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: the partial report is written, marked cancelled, every issued request once', async (sig, exitCode) => {
    const reportPath = join(dir, `cancel-${sig}.json`);
    const r = await runCli(
      ['--url', `${server.url}/slow?ms=200`, '--method', 'GET', '--stages', '1x1, 3x30', '--cooldown', '0', '--report-path', reportPath],
      [{ signal: sig, afterMs: 900 }],
    );
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: exitCode });
    expect(r.stderr).toContain(`${sig}: stopping`);
    expect(r.stdout).toContain('CANCELLED');
    expect(existsSync(reportPath)).toBe(true);
    const rep = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    expect(rep.cancelled).toBe(true);
    expect(rep.passed).toBe(false);
    expect(rep.smokeFailed).toBe(false);
    const issued = rep.stages.reduce((n, s) => n + (s.skipped ? 0 : s.issued), 0);
    expect(rep.requests).toHaveLength(issued);
    expect(rep.stages[1]!.issued).toBeGreaterThan(0);
    expect(rep.stages[1]!.issued).toBeLessThan(90);
    const ids = rep.requests.map((q) => `${q.stage}/${q.user}/${q.iteration}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('Ctrl-C during wait-for ends the wait at once: a cancelled report without load', async () => {
    const reportPath = join(dir, 'wait.json');
    const r = await runCli(
      ['--url', `${server.url}/ok`, '--wait-for', '/commands', '--wait-timeout', '5m', '--stages', '1x1', '--report-path', reportPath],
      [{ signal: 'SIGINT', afterMs: 200 }],
      'wait-for: attempt 1',
    );
    expect(r.code).toBe(130);
    const rep = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    expect(rep.cancelled).toBe(true);
    expect(rep.requests).toHaveLength(0);
    expect(server.requests.filter((q) => q.path === '/ok')).toHaveLength(0);
  });

  test('a second Ctrl-C exits at once, without waiting for the requests in flight', async () => {
    // Requests that take 6 s each: after the first signal they hold the 1 s grace open.
    const reportPath = join(dir, 'twice.json');
    const r = await runCli(
      ['--url', `${server.url}/slow?ms=3000`, '--method', 'GET', '--stages', '2x5', '--report-path', reportPath],
      [
        { signal: 'SIGINT', afterMs: 300 },
        { signal: 'SIGINT', afterMs: 350 },
      ],
      'stage 1/1',
    );
    expect(r.code).toBe(130);
    // Gone before the in-flight grace ended: no partial report (the first signal alone writes one).
    expect(r.stdout).not.toContain('CANCELLED');
    expect(existsSync(reportPath)).toBe(false);
  });
});
