// Reading one named input, the same way for every feature that has inputs (config/, server/,
// history/, capacity/): blank is unset. A leaf: it imports only the input error.

import { InputError } from './errors.js';

export type Inputs = Partial<Record<string, string>>;

/** An input as given; blank is unset. */
export function value(inputs: Inputs, name: string): string | undefined {
  const v = inputs[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** An input without its surrounding whitespace; blank is unset. */
export const trimmedValue = (inputs: Inputs, name: string): string | undefined => value(inputs, name)?.trim();

/** A whole number in [min, max]; `dflt` when not given. The error quotes at most 40 characters of the text. */
export function parseCount(name: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined) return dflt;
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new InputError(name, `"${t.slice(0, 40)}" is not a whole number (${min} to ${max})`);
  const n = Number(t);
  if (n < min || n > max) throw new InputError(name, `${t} is out of range: ${min} to ${max}`);
  return n;
}
