import { buildConfig, CORE_INPUTS } from '../core/config/config.js';
import { InputError } from '../core/errors.js';
import { runGate } from '../core/gate.js';
import { redactText } from '../core/redact.js';
import { safeLines } from '../core/safe-text.js';
import { renderTerminal, stageLine, stageStartLine } from '../core/report/terminal.js';
import { VERSION } from '../core/version.js';
import { parseArgs } from './args.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Cancels the run (Ctrl-C): the partial report is written; main returns 1 (index.ts exits 130/143). */
  signal?: AbortSignal;
}

export const EXIT = { pass: 0, fail: 1, badInput: 2 } as const;

function usage(): string {
  const flags = Object.entries(CORE_INPUTS).map(([name, help]) => `  --${name.padEnd(21)} ${help}`);
  return ['usage: ttfc-gate --url URL [flags]', '', 'Load-tests a streaming endpoint and gates on time to first chunk.', '', ...flags, '', 'Exit: 0 passed, 1 a failing criterion missed, 2 bad input, 130/143 cancelled by SIGINT/SIGTERM (partial report written).'].join('\n');
}

/** The command-line adapter: flags → config → gate → terminal report → exit code. */
export async function main(argv: string[], rawIo: CliIo): Promise<number> {
  let secrets: string[] = [];
  // Every line out: secrets redacted, no escape sequence or workflow command from a server survives.
  const io = {
    ...rawIo,
    out: (l: string) => rawIo.out(safeLines(redactText(l, secrets))),
    err: (l: string) => rawIo.err(safeLines(redactText(l, secrets))),
  };
  try {
    const args = parseArgs(argv, new Set(Object.keys(CORE_INPUTS)));
    if (args.help) {
      io.out(usage());
      return EXIT.pass;
    }
    if (args.version) {
      io.out(`ttfc-gate ${VERSION}`);
      return EXIT.pass;
    }
    const cfg = buildConfig(args.inputs, { env: io.env, cwd: io.cwd });
    secrets = cfg.secrets;
    io.out(
      `ttfc-gate ${VERSION}: ${cfg.method} ${cfg.displayUrl}, stages ${cfg.stages.map((s) => `${s.users}x${s.requestsPerUser}`).join(', ')}` +
        `${cfg.repeat > 1 ? `, repeat ${cfg.repeat}` : ''}${cfg.warmup ? `, warmup ${cfg.warmup}` : ''}, verdict ${cfg.verdict}`,
    );
    const report = await runGate(cfg, {
      log: io.out,
      ...(io.signal ? { signal: io.signal } : {}),
      hooks: {
        stageStart: (i, s) => io.out(stageStartLine(i, cfg.stages.length, s)),
        stageEnd: (s) => io.out(`  ${stageLine(s)} (${(s.durationMs / 1000).toFixed(1)} s)`),
      },
    });
    io.out('');
    io.out(renderTerminal(report));
    io.out(`report: ${cfg.reportPath}`);
    if (report.cancelled) return EXIT.fail;
    return report.passed || !cfg.failOnCriteria ? EXIT.pass : EXIT.fail;
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`ttfc-gate: ${err.message}`);
      return EXIT.badInput;
    }
    io.err(`ttfc-gate: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.fail;
  }
}
