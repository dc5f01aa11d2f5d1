import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expectedMetrics } from '../core/analysis/metrics.js';
import { buildConfig } from '../core/config/config.js';
import { CORE_INPUTS } from '../core/config/inputs.js';
import { renderMarkdown } from '../core/report/markdown.js';
import { shardNote } from '../core/config/shard.js';
import { formatStages } from '../core/config/stages.js';
import { InputError } from '../core/errors.js';
import { runGate } from '../core/gate.js';
import type { HistoryContext } from '../core/history/run.js';
import { buildMergeConfig, ignoredInputsError, MERGE_INPUTS, mergeIgnoredInputs, runMerge } from '../core/merge.js';
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

const EXIT = { pass: 0, fail: 1, badInput: 2 } as const;

/** Flags that are not inputs. */
const CLI_FLAGS = { help: 'print this help and exit (also -h)', version: 'print the version and exit' } as const;

export function usage(): string {
  const line = (name: string, help: string): string => `  --${name.padEnd(21)} ${help}`;
  const flags = Object.entries(CORE_INPUTS).map(([name, help]) => line(name, help));
  const own = Object.entries(CLI_FLAGS).map(([name, help]) => line(name, help));
  return [
    'usage: ttfc-gate --url URL [flags]',
    '       ttfc-gate merge SHARD-REPORTS... [--report-path P] [--markdown-path M] [--criteria C] [--fail-on-criteria B] [--verdict V] [--baseline B] [--regression-threshold T]',
    '',
    'Load-tests a streaming endpoint and gates on time to first chunk. Every flag is also an input of the',
    'GitHub Action, with the same name; --flag value and --flag=value both work.',
    '',
    ...flags,
    ...own,
    '',
    ...metricsHelp(),
    '',
    'merge: checks every shard report (shard: K/N: a regular file of at most 64 MiB, each field), that they are one plan, all K of N once;',
    "       judges the merged run by its own criteria, fail-on-criteria and verdict (the defaults when not given), never by the shards'.",
    '',
    'Exit: 0 passed, 1 a failing criterion missed, 2 bad input, 130/143 cancelled by SIGINT/SIGTERM (partial report written).',
  ].join('\n');
}

/** The metrics criteria may name, one family a line (an unknown one in --criteria points here). */
function metricsHelp(): string[] {
  const [singles = '', ...patterns] = expectedMetrics().split(' or ');
  const lines = ['Metrics of --criteria lines ("[@USERS:] METRIC OP VALUE [warn]"; baseline., compare. and history. in the value):'];
  let line = ' ';
  for (const name of singles.split(', ')) {
    if (line.length + name.length > 100) lines.push(line.replace(/,$/, ''), (line = ' '));
    line += ` ${name},`;
  }
  lines.push(line.replace(/,$/, ''), ...patterns.map((p) => `  ${p}`));
  return lines;
}

/** `merge FILES... --flag value`: the files are the arguments that are neither a flag nor its value. */
function splitMergeArgs(argv: string[]): { files: string[]; flags: string[] } {
  const files: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      flags.push(a);
      if (!a.includes('=') && a !== '--help' && a !== '--version' && i + 1 < argv.length) flags.push(argv[++i]!);
    } else if (a === '-h') flags.push(a);
    else files.push(a);
  }
  return { files, flags };
}

async function mergeMain(argv: string[], io: CliIo): Promise<number> {
  const { files, flags } = splitMergeArgs(argv);
  // Every input parses (so a run's flag is named, not "unknown"); those a merge would ignore are refused.
  const args = parseArgs(flags, new Set([...Object.keys(CORE_INPUTS), ...MERGE_INPUTS]));
  if (args.help) {
    io.out(usage());
    return EXIT.pass;
  }
  const ignored = mergeIgnoredInputs(args.inputs);
  if (ignored.length > 0) throw ignoredInputsError(ignored, 'to merge');
  if (files.length === 0) throw new InputError('merge', 'needs the shard reports to merge (ttfc-gate merge a.json b.json …)');
  const cfg = buildMergeConfig(args.inputs, io.cwd);
  const report = runMerge(files, cfg, { cwd: io.cwd, log: io.out, input: 'merge' });
  io.out('');
  io.out(renderTerminal(report));
  io.out(`report: ${cfg.reportPath}`);
  if (cfg.markdownPath) writeMarkdown(io, cfg.markdownPath, renderMarkdown(report, { reportPath: cfg.reportPath, failOnCriteria: cfg.failOnCriteria }), []);
  // The merge step's fail-on-criteria decides, whatever the shards were given.
  return report.passed || !cfg.failOnCriteria ? EXIT.pass : EXIT.fail;
}

function writeMarkdown(io: CliIo, markdownPath: string, markdown: string, secrets: readonly string[]): void {
  const path = resolve(io.cwd, markdownPath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, redactText(markdown, secrets));
  io.out(`markdown: ${markdownPath}`);
}

/**
 * Where a CLI run comes from, for the history: a GitHub workflow's event, ref and commit when it runs
 * in one; a GitLab merge request is a read-only event; elsewhere none (the run records under auto).
 */
function historyContext(env: Record<string, string | undefined>): HistoryContext {
  const event = env.GITHUB_EVENT_NAME?.trim() || (env.CI_MERGE_REQUEST_IID?.trim() ? 'merge_request' : null);
  return { event, ref: env.GITHUB_REF?.trim() || env.CI_COMMIT_REF_NAME?.trim() || null, commit: env.GITHUB_SHA?.trim() || env.CI_COMMIT_SHA?.trim() || null };
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
    if (argv[0] === 'merge') return await mergeMain(argv.slice(1), io);
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
      `ttfc-gate ${VERSION}: ${cfg.method} ${cfg.displayUrl}, stages ${formatStages(cfg.stages)}` +
        `${cfg.repeat > 1 ? `, repeat ${cfg.repeat}` : ''}${cfg.warmup ? `, warmup ${cfg.warmup}` : ''}${shardNote(cfg)}, verdict ${cfg.verdict}`,
    );
    const report = await runGate(cfg, {
      log: io.out,
      history: historyContext(io.env),
      ...(io.signal ? { signal: io.signal } : {}),
      hooks: {
        stageStart: (i, s) => io.out(stageStartLine(i, cfg.stages.length, s)),
        stageEnd: (s) => io.out(`  ${stageLine(s)} (${(s.durationMs / 1000).toFixed(1)} s)`),
      },
    });
    io.out('');
    io.out(renderTerminal(report));
    io.out(`report: ${cfg.reportPath}`);
    if (cfg.markdownPath) writeMarkdown(io, cfg.markdownPath, renderMarkdown(report, { reportPath: cfg.reportPath }), secrets);
    if (report.cancelled) return EXIT.fail;
    // A shard is not judged (not even by its smoke test): the merge decides, so a matrix job never hides the verdict.
    if (cfg.shard) return EXIT.pass;
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
