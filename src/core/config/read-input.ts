// How one input is read (blank is unset; booleans, counts) and the bounds of the counts; the table of
// inputs is inputs.ts.
import { InputError } from '../errors.js';

/** Bounds of the counts, named in the inputs' descriptions (inputs.ts). */
export const MAX_REPEAT = 10;
export const MAX_IN_FLIGHT = 100_000;
export const MAX_SEED = 4_294_967_295;
export const MAX_WARMUP = 50;

export { parseCount, value, type Inputs } from '../input-value.js';

export function parseBoolean(name: string, text: string | undefined, dflt: boolean): boolean {
  if (text === undefined) return dflt;
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === '1') return true;
  if (t === 'false' || t === 'no' || t === '0') return false;
  throw new InputError(name, `"${text}" is not true or false`);
}

export function optional<T>(text: string | undefined, dflt: T, parse: (text: string) => T): T {
  return text === undefined ? dflt : parse(text);
}
