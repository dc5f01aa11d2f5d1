// The CLI run in-process, as `ttfc-gate ARGS` would be: its exit code and what it printed.
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(argv: string[], ctx: { cwd: string; env: Record<string, string> }): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: ctx.env, cwd: ctx.cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
