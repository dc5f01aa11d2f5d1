// A diagnosis's evidence for people: labelled rows in words ("TTFC avg vs 1 user: 1.39 s vs 304 ms
// (4.6×)"), not the JSON's keys. Kinds this module knows get their own rows; any other evidence gets its
// keys spelled out. Plain text: the callers escape it for markdown (and the CLI for the terminal). Pure.

import { ms, pct, plural } from '../format.js';
import type { Diagnosis } from '../types.js';

export type Row = [label: string, value: string];

type Obj = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const times = (x: number): string => (x >= 99.5 ? `${Math.round(x)}×` : `${x.toFixed(1)}×`);
const msOf = (v: unknown): string => (num(v) === null ? 'n/a' : ms(num(v)));
const bytes = (b: number): string => (b >= 1024 ? `~${(b / 1024).toFixed(1)} KB` : `~${Math.round(b)} bytes`);

/** Rows of a diagnosis's evidence, in words; [] when there is none. */
export function evidenceRows(d: Diagnosis): Row[] {
  const e = d.evidence;
  if (Object.keys(e).length === 0) return [];
  switch (d.kind) {
    case 'serialized':
    case 'saturated':
      return concurrencyRows(e);
    case 'corked':
      return corkedRows(e);
    case 'buffered':
      return bufferedRows(e);
    case 'connect_storm':
      return connectRows(e);
    case 'queue':
      return queueRows(e);
    case 'client_late':
      return lateRows(e);
    case 'client_limit':
      return limitRows(e);
    default:
      return genericRows(e);
  }
}

function limitRows(e: Obj): Row[] {
  return [
    ['On the wire at once', `at most ${num(e.peakInFlight) ?? '?'} of ${num(e.users) ?? '?'} users' requests, ${num(e.meanInFlight) ?? '?'} on average`],
    ['Users started within', msOf(e.startSpreadMs)],
    ['A request lasted (median)', msOf(e.totalP50Ms)],
  ];
}

function concurrencyRows(e: Obj): Row[] {
  const ref = plural(num(e.referenceUsers) ?? 1, 'user');
  const rows: Row[] = [];
  const growth = num(e.ttfcGrowth);
  rows.push([`TTFC avg vs ${ref}`, `${msOf(e.ttfcAvgMs)} vs ${msOf(e.singleRequestMs)}${growth === null ? '' : ` (${times(growth)})`}`]);
  const tp = num(e.throughputRatio);
  const eff = num(e.scalingEfficiency);
  if (tp !== null) rows.push([`Throughput vs ${ref}`, `${times(tp)}${eff === null ? '' : ` (scaling efficiency ${pct(eff)})`}`]);
  const w = obj(e.firstWave);
  if (w === null) {
    rows.push(['First wave', 'too few first requests succeeded to read one']);
    return rows;
  }
  const first = arr(w.firstChunkMs).map(num);
  rows.push(['First wave', `${num(w.requests) ?? '?'} requests, first chunks from ${msOf(first[0])} to ${msOf(first[1])}`]);
  const groups = arr(w.groups).map(String);
  rows.push(['First chunks came in groups of', `${groups.join(', ')}`]);
  const c = num(w.concurrency) ?? 1;
  const hold = msOf(w.holdMs);
  if (w.held === 'section') rows.push(['Read as', `a blocking section of ~${hold} per request, one request at a time`]);
  else if (w.from === 'groups') {
    const what = w.held === 'whole_request' ? `its whole request (${hold})` : `its first chunk (${hold})`;
    rows.push(['Read as', `${Math.round(c)} at a time, groups ${msOf(w.stepMs)} apart: each request holds its place for ${what}`]);
  } else {
    // Time the server held none of the wave (connections not yet up) is not divided into.
    const idle = num(w.idleMs) ?? 0;
    const took = num(w.tookMs);
    const over = idle > 0 && took !== null ? `${msOf(took - idle)} (the wave's ${msOf(took)} less ${msOf(idle)} the server held none of it)` : msOf(w.tookMs);
    rows.push(['Read as', `${num(w.requests) ?? '?'} × ${msOf(w.singleMs ?? w.holdMs)} / ${over} ≈ ${c.toFixed(1)} at a time (from the time the wave took)`]);
  }
  if (num(e.singleTotalMs) !== null) rows.push([`Whole request at ${ref}`, msOf(e.singleTotalMs)]);
  const estimates = arr(e.capacityEstimates).map(obj);
  if (e.cpuBound === true && estimates.length) {
    rows.push(['Served at once, by stage', estimates.map((x) => `${num(x?.concurrency)?.toFixed(1) ?? '?'} at ${plural(num(x?.users) ?? 0, 'user')}`).join(', ')]);
  }
  return rows;
}

/** "1 user: 1 of 1, 10 users: 10 of 10". */
function perStage(stages: unknown, of: string, count: string): string {
  return arr(stages)
    .map(obj)
    .filter((s): s is Obj => s !== null)
    .map((s) => `${plural(num(s.users) ?? 0, 'user')}: ${num(s[count]) ?? 0} of ${num(s[of]) ?? 0}`)
    .join(', ');
}

function burstList(example: unknown, perEvent: number | null): string {
  const bs = arr(obj(example)?.bursts).map(obj);
  return bs.map((b) => `${num(b?.events) ?? '?'}${perEvent !== null && num(b?.events) !== null ? ` (${bytes(num(b?.events)! * perEvent)})` : ''} at ${msOf(b?.atMs)}`).join(', ');
}

function corkedRows(e: Obj): Row[] {
  const rows: Row[] = [
    ['Corked responses', `${num(e.corkedResponses) ?? '?'} of ${num(e.judgedResponses) ?? '?'} with enough events to tell`],
    ['Bursts', `~${Math.round(num(e.burstEvents) ?? 0)} events (${bytes(num(e.burstBytesApprox) ?? 0)}) every ~${msOf(e.periodMs)}`],
    ["The stream's own pace", `an event every ~${msOf(e.cadenceMs)}`],
    ['Each write held back', `~${msOf(e.holdMs)}`],
    ['Response headers', num(e.headersHeldMs) === null ? 'came with the first burst (no separate reading)' : `sent alone, held ~${msOf(e.headersHeldMs)}`],
    ['TTFC, median', msOf(e.ttfcP50Ms)],
    ['A typical response', burstList(e.example, null)],
    ['By stage', perStage(e.stages, 'judged', 'corked')],
  ];
  rows.push(['Compressed', typeof e.compressed === 'string' ? e.compressed : 'no']);
  return rows;
}

function bufferedRows(e: Obj): Row[] {
  const multi = num(e.multiEventResponses) ?? 0;
  const bunched = num(e.bunched) ?? 0;
  const blocks = num(e.inBlocks) ?? 0;
  const rows: Row[] = [
    ['Held back', `${bunched + blocks} of ${multi} multi-event responses: ${bunched} all at once, ${blocks} in a few bursts`],
    ['TTFC, median', msOf(e.ttfcP50Ms)],
  ];
  if (num(e.spreadP50Ms) !== null) rows.push(['Spread of the events, median', msOf(e.spreadP50Ms)]);
  if (num(e.heldBackP50Ms) !== null) rows.push(['First event held back, median', `~${msOf(e.heldBackP50Ms)}`]);
  const ex = obj(e.example);
  if (ex !== null) {
    const bs = arr(ex.bursts).map(obj);
    rows.push(['A typical response', bs.map((b) => `${num(b?.events) ?? '?'} (${bytes(num(b?.bytesApprox) ?? 0)}) at ${msOf(b?.atMs)}`).join(', ')]);
    if (num(ex.cadenceMs) !== null) rows.push(["The stream's pace after the first burst", `an event every ${msOf(ex.cadenceMs)}`]);
  }
  if (num(e.streamingSpreadP50Ms) !== null) rows.push(['Streamed responses, spread median', msOf(e.streamingSpreadP50Ms)]);
  rows.push(['Response headers held back too', e.headersHeldBack === true ? 'yes' : 'no']);
  rows.push(['Compressed', typeof e.compressed === 'string' ? e.compressed : 'no']);
  const stages = arr(e.stages)
    .map(obj)
    .filter((s): s is Obj => s !== null)
    .map((s) => `${plural(num(s.users) ?? 0, 'user')}: ${(num(s.bunched) ?? 0) + (num(s.inBlocks) ?? 0)} of ${num(s.multiEvent) ?? 0}`);
  if (stages.length) rows.push(['By stage', stages.join(', ')]);
  return rows;
}

function connectRows(e: Obj): Row[] {
  const rows: Row[] = [
    ['New connections', String(num(e.newConnections) ?? '?')],
    [
      'Connection setup, median',
      `${msOf(e.connectP50Ms)}${num(e.referenceConnectP50Ms) === null ? '' : ` (vs ${msOf(e.referenceConnectP50Ms)} with ${plural(num(e.referenceUsers) ?? 1, 'user')})`}`,
    ],
    ['TTFC of those requests, median', msOf(e.ttfcP50Ms)],
  ];
  if ((num(e.clientWaitP50Ms) ?? 0) >= 1) {
    rows.push(['Connection setup as measured, median', msOf(e.measuredConnectP50Ms)]);
    rows.push(["This client's own start taken off, median", msOf(e.clientWaitP50Ms)]);
  }
  if (num(e.connectShareP50) !== null) rows.push(['Share of TTFC, median', pct(num(e.connectShareP50)!)]);
  if (e.reading === 'retransmitted') {
    rows.push(['Up only after a resent SYN', `${num(e.retransmitted) ?? '?'} (${pct(num(e.retransmittedShare) ?? 0)})`]);
    rows.push(['Of those, about 1 s late / 2 s or more', `${num(e.upAfter1s) ?? '?'} / ${num(e.upAfter2sOrMore) ?? '?'}`]);
  }
  return rows;
}

/** `connectP50Ms` → `connect p50`; `ttfcGrowth` → `ttfc growth`. */
export function humanKey(key: string): string {
  return key
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .replace(/^./, (c) => c.toUpperCase());
}

function humanValue(key: string, v: unknown, depth: number): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return /Ms$/.test(key) && Number.isFinite(v) ? ms(v) : String(Math.round(v * 100) / 100);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (depth > 2) return '…';
  if (Array.isArray(v)) return v.map((x) => humanValue(key, x, depth + 1)).join(', ');
  return Object.entries(v as Obj)
    .map(([k, x]) => `${humanKey(k).toLowerCase()} ${humanValue(k, x, depth + 1)}`)
    .join(', ');
}

/** Any evidence, its keys spelled out and durations in ms / s. */
const rateOf = (v: unknown): string => `${num(v) ?? '?'}/s`;

/** Per rate stage: how TTFC moved from the first third of its arrivals to the last, and what the server served. */
function queueRows(e: Obj): Row[] {
  const rows: Row[] = arr(e.stages).map((v) => {
    const s = obj(v) ?? {};
    const served = num(s.servedPerSec);
    return [
      rateOf(s.rate),
      `TTFC ${msOf(s.firstThirdMs)} in the first third of the arrivals, ${msOf(s.lastThirdMs)} in the last: ${s.grew === true ? 'a queue' : 'held'}${served === null ? '' : `; about ${served} first chunks a second`}`,
    ];
  });
  rows.push(['Read as a queue when', `the last third's TTFC (less the client's lateness) is at least ${num(e.minGrowth) ?? '?'}× the first's and ${msOf(e.minDeltaMs)} more`]);
  return rows;
}

/** Per late rate stage: the client's lateness against its schedule, beside the TTFC it is part of. */
function lateRows(e: Obj): Row[] {
  return arr(e.stages).map((v) => {
    const s = obj(v) ?? {};
    const p95 = num(s.ttfcP95Ms);
    return [rateOf(s.rate), `lateness p50 ${msOf(s.latenessP50Ms)}, p99 ${msOf(s.latenessP99Ms)} (above ${msOf(e.thresholdMs)})${p95 === null ? '' : `; TTFC p95 ${ms(p95)}`}`];
  });
}

function genericRows(e: Obj): Row[] {
  return Object.entries(e).map(([k, v]) => [humanKey(k), humanValue(k, v, 0)]);
}
