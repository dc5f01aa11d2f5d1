/** A bad input: names the input (as the action/CLI calls it) and what is wrong. Adapters print it as one line. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly detail: string,
  ) {
    super(`${input}: ${detail}`);
    this.name = 'InputError';
  }
}
