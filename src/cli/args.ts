import { InputError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import { didYouMean } from '../core/suggest.js';

/** Inputs that may be given several times; the values are joined one a line. */
const MULTI = new Set(['headers', 'criteria', 'capacity']);

export interface ParsedArgs {
  inputs: Record<string, string>;
  help: boolean;
  version: boolean;
}

/** Inputs whose empty value means something (an empty request body). */
const MAY_BE_EMPTY = new Set(['body']);

function isFlag(arg: string, known: ReadonlySet<string>): boolean {
  if (arg === '--help' || arg === '-h' || arg === '--version') return true;
  if (!arg.startsWith('--')) return false;
  const eq = arg.indexOf('=');
  return known.has(eq === -1 ? arg.slice(2) : arg.slice(2, eq));
}

/** An argument that is not a flag: `-url` (one dash) or a bare URL get the flag they were meant for. */
function unexpected(arg: string, known: ReadonlySet<string>): InputError {
  const dashed = /^-([a-z][a-z-]*)(=.*)?$/.exec(arg);
  if (dashed && known.has(dashed[1]!)) return new InputError(`-${dashed[1]}`, `flags take two dashes: did you mean --${dashed[1]}?`);
  if (/^https?:\/\//i.test(arg) && known.has('url')) return new InputError(redactUrl(arg), 'unexpected argument: did you mean --url before it?');
  return new InputError(arg, 'unexpected argument (flags are --name value)');
}

/** `--name value` or `--name=value`, names as the action inputs; an unknown flag is an input error. */
export function parseArgs(argv: string[], known: ReadonlySet<string>): ParsedArgs {
  const inputs: Record<string, string> = {};
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '--version') {
      version = true;
      continue;
    }
    if (!arg.startsWith('--')) throw unexpected(arg, known);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!known.has(name)) {
      const hint = didYouMean(name, known, (n) => `--${n}`);
      throw new InputError(`--${name}`, hint ? `unknown flag${hint}` : 'unknown flag (see --help)');
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      // A value may start with "-" (a PEM key, a negative number): only a known flag is taken as the next flag.
      if (next === undefined || isFlag(next, known)) throw new InputError(`--${name}`, 'needs a value');
      value = next;
      i++;
    }
    // Leaving a flag out gives its default; an empty value is a mistake (e.g. an unset shell variable).
    if (value.trim() === '' && !MAY_BE_EMPTY.has(name)) throw new InputError(name, 'is empty (leave the flag out for the default)');
    if (name in inputs) {
      if (!MULTI.has(name)) throw new InputError(`--${name}`, 'given more than once');
      inputs[name] = `${inputs[name]}\n${value}`;
    } else inputs[name] = value;
  }
  return { inputs, help, version };
}
