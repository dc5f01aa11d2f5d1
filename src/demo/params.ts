// The demo server's per-request parameters (the query string): mode, format, delays, sizes; a bad
// one is a 400 naming it.

type Mode = 'async' | 'blocking' | 'status' | 'reset' | 'hang' | 'malformed' | 'empty' | 'buffered' | 'pool' | 'leak';
export type Format = 'sse' | 'ndjson' | 'raw' | 'openai';
type Usage = 'end' | 'chunk' | 'none';

const MODES: ReadonlySet<string> = new Set<Mode>(['async', 'blocking', 'status', 'reset', 'hang', 'malformed', 'empty', 'buffered', 'pool', 'leak']);
/** Largest leak per request (KiB): 64 MiB. */
const MAX_LEAK_KIB = 65_536;
const FORMATS: ReadonlySet<string> = new Set<Format>(['sse', 'ndjson', 'raw', 'openai']);
const USAGES: ReadonlySet<string> = new Set<Usage>(['end', 'chunk', 'none']);

/** Largest delay a node timer honours (larger values are clamped to 1 ms by node). */
const MAX_MS = 2_147_483_647;
const MAX_EVENTS = 1_000_000;
const MAX_WORKERS = 1_000_000;

export interface Params {
  mode: Mode;
  format: Format;
  delay: number;
  events: number;
  interval: number;
  code: number;
  workers: number;
  id: string | undefined;
  leak: number;
  usage: Usage;
  reasoning: number;
}

const DEFAULTS: Readonly<Params> = {
  mode: 'async',
  format: 'sse',
  delay: 200,
  events: 5,
  interval: 20,
  code: 503,
  workers: 4,
  id: undefined,
  leak: 1024,
  usage: 'end',
  reasoning: 0,
};

const INT_RE = /^\d+$/;
const NUM_RE = /^\d+(?:\.\d+)?$/;

export function parseParams(query: string, record: boolean): Params | string {
  const p: Params = { ...DEFAULTS };
  if (query === '') return p;
  const q = new URLSearchParams(query);
  const mode = q.get('mode');
  if (mode !== null) {
    if (!MODES.has(mode)) return `unknown mode "${mode}"`;
    p.mode = mode as Mode;
  }
  const format = q.get('format');
  if (format !== null) {
    if (!FORMATS.has(format)) return `unknown format "${format}"`;
    p.format = format as Format;
  }
  let v = q.get('delay');
  if (v !== null) {
    if (!NUM_RE.test(v) || Number(v) > MAX_MS) return `invalid delay "${v}" (milliseconds, 0..${MAX_MS})`;
    p.delay = Number(v);
  }
  v = q.get('interval');
  if (v !== null) {
    if (!NUM_RE.test(v) || Number(v) > MAX_MS) return `invalid interval "${v}" (milliseconds, 0..${MAX_MS})`;
    p.interval = Number(v);
  }
  v = q.get('events');
  if (v !== null) {
    if (!INT_RE.test(v) || Number(v) > MAX_EVENTS) return `invalid events "${v}" (integer, 0..${MAX_EVENTS})`;
    p.events = Number(v);
  }
  v = q.get('code');
  if (v !== null) {
    const n = Number(v);
    if (!INT_RE.test(v) || n < 200 || n > 599) return `invalid code "${v}" (integer, 200..599)`;
    p.code = n;
  }
  v = q.get('workers');
  if (v !== null) {
    const n = Number(v);
    if (!INT_RE.test(v) || n < 1 || n > MAX_WORKERS) return `invalid workers "${v}" (integer, 1..${MAX_WORKERS})`;
    p.workers = n;
  }
  v = q.get('usage');
  if (v !== null) {
    if (!USAGES.has(v)) return `unknown usage "${v}" (end, chunk or none)`;
    p.usage = v as Usage;
  }
  v = q.get('reasoning');
  if (v !== null) {
    if (!INT_RE.test(v) || Number(v) > MAX_EVENTS) return `invalid reasoning "${v}" (integer, 0..${MAX_EVENTS})`;
    p.reasoning = Number(v);
  }
  v = q.get('leak');
  if (v !== null) {
    if (!INT_RE.test(v) || Number(v) > MAX_LEAK_KIB) return `invalid leak "${v}" (KiB, 0..${MAX_LEAK_KIB})`;
    p.leak = Number(v);
  }
  if (record) {
    const id = q.get('id');
    if (id !== null) p.id = id;
  }
  return p;
}
