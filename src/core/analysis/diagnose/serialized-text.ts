// The words of the serialized / saturated diagnoses. Every figure a message states comes from its
// evidence, and every sum it states adds up (a unit test recomputes them): "10 requests of 506 ms each
// take 5.06 s one at a time", "618 ms + 9 × 190 ms". Pure.

import type { ConcurrencyAnalysis } from './concurrency-analysis.js';
import { median, ms, pct, times, users } from './common.js';
import { AMBIGUOUS_BAND, SERIAL_MAX_CONCURRENCY, type FirstWave } from './wave.js';

/**
 * Throughput within 2× of one user's is shown as agreeing with "one at a time" (the 1-user reference is
 * one sample); beyond it the message explains why it grew instead of leading with it.
 */
const SERIAL_FLAT_THROUGHPUT = 2;

const BLOCKING_HINT =
  'requests look served one at a time — look for blocking calls in the async handler, e.g. database, ' + 'vector search or LLM client calls not offloaded to a thread pool';

const WHOLE_SERIAL_HINT =
  'requests look served one at a time, each to the end of its stream — look for a blocking call that runs for ' +
  'the whole answer (a synchronous LLM client iterated in an async handler), or a server with a single worker, ' +
  'thread or lock (e.g. gunicorn with 1 sync worker, a semaphore of 1)';

const SECTION_HINT =
  'look for a synchronous call before the first chunk (CPU work such as hashing, parsing or tokenizing; a blocking ' +
  'client, file or DNS call) and move it to a worker thread, or make it async';

/** A wave that took this much longer than one at a time is said to have taken "longer still". */
const LONGER_STILL = 0.85;

function formatConcurrency(c: number): string {
  return c < 1.95 ? c.toFixed(1) : String(Math.round(c));
}

/** "the last after 2.33 s: 10 requests of 506 ms each … take 5.06 s one at a time, so about 2.2 ran at a time". */
function waveTimeText(w: FirstWave): string {
  const oneAtATime = w.requests * w.holdMs;
  const held = w.tookMs - w.idleMs;
  // Connections that came up late left the server with none of the wave for a while: that time is not divided into.
  const idle = w.idleMs > 0 ? `; the server held them over ${ms(held)} of the wave's ${ms(w.tookMs)} (none for ${ms(w.idleMs)}, while connections had not come up)` : '';
  const claim = `the last after ${ms(w.lastMs)}: ${w.requests} requests of ${ms(w.holdMs)} each (the single-request TTFC) take ${ms(oneAtATime)} one at a time${idle}`;
  // The estimate is at least one; a wave that took clearly longer than one at a time says so.
  if (oneAtATime < LONGER_STILL * held) return `${claim}, and the wave took longer still`;
  if (w.concurrency < SERIAL_MAX_CONCURRENCY - AMBIGUOUS_BAND) return `${claim}, about as long as the wave took`;
  return `${claim}, so about ${formatConcurrency(w.concurrency)} ran at a time`;
}

/** "the first chunks of the first 8 concurrent requests …": what the wave itself showed. */
function waveText(w: FirstWave): string {
  const head = `the first chunks of the first ${w.requests} concurrent requests`;
  if (w.held === 'section' && w.from === 'wave_time') {
    return (
      `${head} came in groups of ${w.groups.slice(0, 6).join(', ')}${w.groups.length > 6 ? ', …' : ''}, the last ` +
      `${ms(w.tookMs)} after the first request reached the server (${w.requests - 1} × ${ms(w.holdMs)} + ${ms(w.singleMs)}, ` +
      `the TTFC of a request that did not wait), as when an event loop runs one section after another and writes the ` +
      `waiting first chunks whenever it is free`
    );
  }
  if (w.held === 'section') {
    return `${head} came one after another, about ${ms(w.stepMs)} apart, from ${ms(w.firstMs)} to ${ms(w.lastMs)} ` + `(${ms(w.firstMs)} + ${w.requests - 1} × ${ms(w.stepMs)})`;
  }
  if (w.from === 'groups') {
    const apart = w.held === 'whole_request' ? `one whole request (about ${ms(w.holdMs)}) apart` : `about ${ms(w.stepMs)} apart`;
    return w.groups.every((g) => g === 1) || Math.round(w.concurrency) === 1
      ? `${head} came one after another, ${apart}`
      : `${head} came in groups of about ${Math.round(w.concurrency)}, ${apart}`;
  }
  const shape =
    w.groups.length === 1
      ? 'all together'
      : w.groups.every((g) => g === 1)
        ? 'one after another'
        : `in groups of ${w.groups.slice(0, 6).join(', ')}${w.groups.length > 6 ? ', …' : ''}`;
  return `${head} came ${shape}, ${waveTimeText(w)}`;
}

function growthText(a: ConcurrencyAnalysis): string {
  return `TTFC grew ${times(a.ttfcGrowth)} (avg ${ms(a.ttfcAvgMs)} vs ${ms(a.singleRequestMs)} with ${users(a.referenceUsers)})`;
}

export function serializedMessage(a: ConcurrencyAnalysis): string {
  const w = a.firstWave;
  const tp = a.throughputRatio;
  if (w?.held === 'section') {
    return (
      `at ${a.users} users ${growthText(a)}; ${waveText(w)}. A blocking section of ~${ms(w.holdMs)} per request (of its ` +
      `${ms(a.singleRequestMs)} to first chunk) is served one request at a time while the rest of each request runs side by side: ${SECTION_HINT}`
    );
  }
  // Throughput supports "one at a time" only when it stayed flat; when it grew, say why that fits.
  let msg =
    tp !== null && tp <= SERIAL_FLAT_THROUGHPUT
      ? `at ${a.users} users throughput is ${times(tp)} that of ${users(a.referenceUsers)} and ${growthText(a)}`
      : `at ${a.users} users ${growthText(a)}`;
  if (w === null) return `${msg}: ${BLOCKING_HINT}`;
  msg += `; ${waveText(w)}`;
  if (tp !== null && tp > SERIAL_FLAT_THROUGHPUT) {
    msg +=
      w.held === 'whole_request'
        ? ` (yet throughput is ${times(tp)} that of ${users(a.referenceUsers)}, which does not fit one at a time: a small pool is as likely)`
        : ` (throughput still grew to ${times(tp)} that of ${users(a.referenceUsers)}: only the part before the first chunk waits its turn, the streams then run side by side)`;
  }
  const perhaps = w.concurrency >= SERIAL_MAX_CONCURRENCY - AMBIGUOUS_BAND ? ' (or two: the estimate is ' + formatConcurrency(w.concurrency) + ')' : '';
  const hint = w.held === 'whole_request' ? WHOLE_SERIAL_HINT : BLOCKING_HINT;
  const upTo = w.held === 'first_chunk' && tp !== null && tp > SERIAL_FLAT_THROUGHPUT ? ' up to their first chunk' : '';
  return `${msg}: ${hint.replace('served one at a time', `served one at a time${upTo}${perhaps}`)}`;
}

/** Capacity estimates that moved between stages: CPU-bound work, not a pool (see detectSerialized). */
export interface Unstable {
  estimates: { users: number; concurrency: number }[];
}

const estimatesText = (u: Unstable): string => u.estimates.map((e, i) => `${formatConcurrency(e.concurrency)} at ${i === 0 ? users(e.users) : e.users}`).join(', ');

export function saturatedMessage(a: ConcurrencyAnalysis, w: FirstWave, unstable: Unstable | null): string {
  const capacity = Math.round(w.concurrency);
  let msg = `at ${a.users} users ${growthText(a)}`;
  if (a.throughputRatio !== null && a.scalingEfficiency !== null) {
    msg += ` and throughput is ${times(a.throughputRatio)} that of ${users(a.referenceUsers)} (scaling efficiency ${pct(a.scalingEfficiency)})`;
  }
  if (unstable !== null) {
    return (
      `${msg}: the server saturates, but not at a fixed number of requests — about ${estimatesText(unstable)} served at once ` +
      `(${waveText(w)}). A pool or limit keeps its size at every load; an estimate that moves is CPU-bound work before the ` +
      `first chunk that the server's cores share (hashing, parsing, tokenizing, model inference on the CPU) — check the ` +
      `server's CPU during the run, then move the work off the request path or give it more cores`
    );
  }
  const perhaps = w.concurrency < SERIAL_MAX_CONCURRENCY + AMBIGUOUS_BAND ? ' (perhaps one at a time: the estimate is ' + formatConcurrency(w.concurrency) + ')' : '';
  msg += `: the server saturates at about ${capacity} concurrent requests${perhaps} — ${waveText(w)}`;
  if (w.from === 'groups' && w.held === 'whole_request') {
    return (
      `${msg}, so each request holds its place for its whole stream. Look for a bounded worker or thread pool ` +
      `(e.g. gunicorn workers × threads), a semaphore or connection pool around the LLM or upstream client, or an ` +
      `upstream concurrency limit of about ${capacity}, and size it for the concurrency you expect`
    );
  }
  if (w.from === 'groups') {
    return (
      `${msg}, so each request holds its place until its first chunk. Look for a bounded worker or thread pool, a ` +
      `connection pool (database, vector store, HTTP client) or an upstream concurrency or rate limit of about ${capacity} ` +
      `around the work before the first chunk, and size it for the concurrency you expect`
    );
  }
  return (
    `${msg}. Most likely a bounded pool or limit of about ${capacity} (worker or thread pool, connection pool, ` +
    `upstream concurrency limit); or CPU-bound work before the first chunk that the server's cores share — ` +
    `check the server's CPU during the run`
  );
}

/** One reading of the serialized / saturated stages: the stages that share it get one summary. */
export type Reading = 'first_chunk' | 'whole_request' | 'section' | 'pool_whole' | 'pool_first' | 'wave' | 'cpu';

export function readingOf(kind: 'serialized' | 'saturated', w: FirstWave | null, unstable: boolean): Reading {
  if (kind === 'serialized') return w?.held === 'section' ? 'section' : w?.held === 'whole_request' ? 'whole_request' : 'first_chunk';
  if (unstable) return 'cpu';
  if (w?.from === 'groups') return w.held === 'whole_request' ? 'pool_whole' : 'pool_first';
  return 'wave';
}

/** "4.6×" for one stage, "4.6–8.7×" for several. */
function growthRange(as: readonly ConcurrencyAnalysis[]): string {
  const g = as.map((a) => a.ttfcGrowth);
  const lo = Math.min(...g);
  const hi = Math.max(...g);
  return times(lo) === times(hi) ? times(lo) : `${times(lo).replace('×', '')}–${times(hi)}`;
}

/**
 * The summary shared by every stage of one reading (the report puts "serialized at 10 and 20 users:"
 * before it): the reading, its figure (step, section, capacity), TTFC growth, where to look.
 */
export function readingSummary(reading: Reading, as: readonly ConcurrencyAnalysis[], unstable: Unstable | null): string {
  const ref = users(as[0]!.referenceUsers);
  const g = `TTFC ${growthRange(as)} that of ${ref}`;
  const waves = as.map((a) => a.firstWave).filter((w): w is FirstWave => w !== null);
  const step = median(waves.map((w) => w.stepMs).filter((s): s is number => s !== null));
  const cap = Math.round(median(waves.map((w) => w.concurrency)) ?? 1);
  switch (reading) {
    case 'first_chunk':
      return (
        `one request at a time up to the first chunk (${g}${step !== null ? `, first chunks ~${ms(step)} apart` : ''}) — ` +
        'look for a blocking call in the async handler (database, vector search, LLM client not offloaded to a thread)'
      );
    case 'whole_request':
      return `one request at a time, each to the end of its stream (${g}) — look for a blocking call that runs for the whole answer, or a single worker, thread or lock`;
    case 'section':
      return `a blocking section of ~${ms(step)} per request runs one request at a time (${g}) — look for a synchronous call (CPU work, a blocking client) before the first chunk`;
    case 'pool_whole':
      return `about ${cap} requests served at once, each for its whole stream (${g}) — a bounded pool of ~${cap}: workers × threads, a semaphore or connection pool around the LLM client`;
    case 'pool_first':
      return `about ${cap} requests served at once up to their first chunk (${g}) — a bounded pool or limit of ~${cap} before the first chunk: thread or connection pool, upstream limit`;
    case 'wave':
      return `about ${cap} requests served at once (${g}) — a bounded pool or limit of ~${cap}, or CPU-bound work that the server's cores share`;
    case 'cpu':
      return `CPU-bound: no fixed number of requests served at once (about ${unstable === null ? '?' : estimatesText(unstable)}; ${g}) — work before the first chunk that the server's cores share, not a pool size`;
  }
}
