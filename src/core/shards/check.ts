// Small checks for JSON of untrusted origin (a shard report from an artifact): each takes a value
// and the path it sits at, returns a clean copy of what it accepts, and throws Rejected naming the
// path otherwise. Objects keep only the keys of their shape, so nothing unchecked is carried on.
// Pure.

/** A value that fails its check: where (`requests[3].ttfc`) and what is wrong. */
export class Rejected extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'Rejected';
  }
}

export type Check<T> = (v: unknown, path: string) => T;

export const reject = (path: string, detail: string): never => {
  throw new Rejected(path, detail);
};

/** A value as a message may show it: its type, or a short JSON rendering (never the whole of a huge string). */
export function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  return String(v);
}

export const integer =
  (min: number, max: number): Check<number> =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return reject(path, `${shown(v)} is not a whole number`);
    if (v < min || v > max) return reject(path, `${v} is out of range (${min} to ${max})`);
    return v;
  };

export const finite =
  (min: number, max: number): Check<number> =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return reject(path, `${shown(v)} is not a number`);
    if (v < min) return reject(path, `${v} is ${min === 0 ? 'negative' : `below ${min}`}`);
    if (v > max) return reject(path, `${v} is over ${max}`);
    return v;
  };

export const bool: Check<boolean> = (v, path) => (typeof v === 'boolean' ? v : reject(path, `${shown(v)} is not true or false`));

export const string =
  (max: number, pattern?: RegExp, what?: string): Check<string> =>
  (v, path) => {
    if (typeof v !== 'string') return reject(path, `${shown(v)} is not a string`);
    if (v.length > max) return reject(path, `a string of ${v.length} characters: at most ${max}`);
    if (pattern && !pattern.test(v)) return reject(path, `${shown(v)} is not ${what ?? `of the form ${pattern.source}`}`);
    return v;
  };

export const literal =
  <T extends string | number>(value: T): Check<T> =>
  (v, path) =>
    v === value ? value : reject(path, `${shown(v)} is not ${JSON.stringify(value)}`);

export const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v, path) =>
    (values as readonly unknown[]).includes(v) ? (v as T) : reject(path, `${shown(v)} is not one of ${values.join(', ')}`);

export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v, path) =>
    v === null ? null : check(v, path);

/** An ISO-8601 time (as the gate writes them: Date.toISOString()). */
export const isoTime: Check<string> = (v, path) => {
  const s = string(40, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/, 'an ISO time (2026-12-01T10:00:00.000Z)')(v, path);
  return Number.isNaN(Date.parse(s)) ? reject(path, `${shown(v)} is not a valid time`) : s;
};

export const array =
  <T>(item: Check<T>, maxLength: number): Check<T[]> =>
  (v, path) => {
    if (!Array.isArray(v)) return reject(path, `${shown(v)} is not an array`);
    if (v.length > maxLength) return reject(path, `${v.length} entries: at most ${maxLength}`);
    const out: T[] = new Array<T>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = item(v[i], `${path}[${i}]`);
    return out;
  };

/** A key that may be absent (absent stays absent in the copy). */
export interface Optional<T> {
  optional: Check<T>;
}
export const optional = <T>(check: Check<T>): Optional<T> => ({ optional: check });

type Shape = Record<string, Check<unknown> | Optional<unknown>>;
type Out<S extends Shape> = { [K in keyof S as S[K] extends Optional<unknown> ? never : K]: S[K] extends Check<infer T> ? T : never } & {
  [K in keyof S as S[K] extends Optional<unknown> ? K : never]?: S[K] extends Optional<infer T> ? T : never;
};

/** An object with these keys checked (others dropped): a new object, never the input. */
export const object =
  <S extends Shape>(shape: S): Check<Out<S>> =>
  (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return reject(path || '(top level)', `${shown(v)} is not an object`);
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, c] of Object.entries(shape)) {
      const at = path ? `${path}.${key}` : key;
      const has = Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined;
      if ('optional' in c) {
        if (has) out[key] = c.optional(o[key], at);
      } else {
        if (!has) return reject(at, 'is missing');
        out[key] = c(o[key], at);
      }
    }
    return out as Out<S>;
  };

/**
 * The deepest nesting of arrays and objects in a parsed JSON value, walked without recursion; throws
 * Rejected at the first path deeper than `max` (a JSON.stringify of it would overflow the stack).
 */
export function checkDepth(value: unknown, max: number): void {
  type Node = { v: unknown; depth: number; key: string; parent: Node | null };
  const pathOf = (n: Node): string => {
    const parts: string[] = [];
    for (let p: Node | null = n; p && p.parent; p = p.parent) parts.push(p.key);
    const path = parts.reverse().join('').replace(/^\./, '');
    return path.length > 120 ? `${path.slice(0, 120)}…` : path || '(top level)';
  };
  const stack: Node[] = [{ v: value, depth: 0, key: '', parent: null }];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (typeof n.v !== 'object' || n.v === null) continue;
    if (n.depth >= max) reject(pathOf(n), `nested deeper than ${max} levels`);
    if (Array.isArray(n.v)) n.v.forEach((x, i) => typeof x === 'object' && x !== null && stack.push({ v: x, depth: n.depth + 1, key: `[${i}]`, parent: n }));
    else for (const [k, x] of Object.entries(n.v)) if (typeof x === 'object' && x !== null) stack.push({ v: x, depth: n.depth + 1, key: `.${k}`, parent: n });
  }
}
