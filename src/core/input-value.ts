// Reading one named input, the same way for every feature that has inputs (config/, server/,
// history/, capacity/): blank is unset. A leaf: it imports nothing.

export type Inputs = Partial<Record<string, string>>;

/** An input as given; blank is unset. */
export function value(inputs: Inputs, name: string): string | undefined {
  const v = inputs[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** An input without its surrounding whitespace; blank is unset. */
export const trimmedValue = (inputs: Inputs, name: string): string | undefined => value(inputs, name)?.trim();
