// The CLI as a process against the chaos cells (lib/ is built by the global setup), and the cells
// that every adapter runs: each fault once, in a varied moment, shape and mode, plus the crash repros.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './run-action.js';
import type { Cell } from './chaos-cell.js';

/** Each fault once on an adapter; the repros of issue 19 (a second request to a refused port; the server gone 2 s into the default plan) are their own tests. */
export const PROCESS_CELLS: readonly Cell[] = [
  { fault: 'refuse', when: 'between', shape: '1x3', mode: 'alone' },
  { fault: 'exit', when: 'mid-stage', shape: '10x3', mode: 'server' },
  { fault: 'restart', when: 'mid-stage', shape: '10x3', mode: 'ab' },
  { fault: 'reset-before-headers', when: 'mid-stage', shape: '10x3', mode: 'alone' },
  { fault: 'reset-mid-stream', when: 'between', shape: '1x3', mode: 'ab' },
  { fault: 'silence', when: 'before', shape: '1x3', mode: 'server' },
  { fault: 'never-ends', when: 'mid-stage', shape: '10x3', mode: 'alone' },
  { fault: 'slow', when: 'between', shape: '1x3', mode: 'alone' },
  { fault: 'close', when: 'before', shape: '100x2', mode: 'alone' },
  { fault: 'http10', when: 'mid-stage', shape: '10x3', mode: 'ab' },
  { fault: 'bad-chunked', when: 'before', shape: '10x3', mode: 'server' },
  { fault: 'tls', when: 'before', shape: '1x3', mode: 'alone' },
  { fault: 'unresolvable', when: 'before', shape: '100x2', mode: 'ab' },
];

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  reportText: string | null;
  /** Killed by the harness: it did not end by itself within the bound. */
  hung: boolean;
}

/** How long a cell's process may take before it counts as hung (its plan takes a few seconds). */
export const PROCESS_BOUND_MS = 60_000;

/** `ttfc-gate --name value …` as a process in a temporary directory; `onStdout` may signal it. */
export async function runCliProcess(inputs: Record<string, string>, onStdout?: (soFar: string, kill: (s: NodeJS.Signals) => void) => void): Promise<ProcessRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-chaos-'));
  const args = Object.entries({ 'report-path': 'report.json', ...inputs }).flatMap(([k, v]) => [`--${k}`, v]);
  const child = spawn(process.execPath, [join(ROOT, 'lib', 'src', 'cli', 'index.js'), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let hung = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    onStdout?.(stdout, (s) => child.kill(s));
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, PROCESS_BOUND_MS);
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const file = join(dir, 'report.json');
  const reportText = existsSync(file) ? readFileSync(file, 'utf8') : null;
  rmSync(dir, { recursive: true, force: true });
  return { code, stdout, stderr, reportText, hung };
}
