// A scrape of a Prometheus text endpoint (metrics-url), parsed with parse-prometheus-text-format,
// and the value of one series selector (`name` or `name{label="x",…}`) in it.

import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { request } from 'undici';
import type { Dispatcher } from 'undici';

/** A scrape larger than this is not read to its end (a process exporter is a few KiB). */
const MAX_BYTES = 4 * 1024 * 1024;

export interface Scrape {
  /** family name → its type and samples. */
  families: Map<string, { type: string; samples: Array<{ value: number; labels: Record<string, string> }> }>;
}

/** One scrape, bounded by `timeoutMs` (and ended by `cancel`). */
export async function scrape(url: string, headers: Record<string, string>, timeoutMs: number, dispatcher: Dispatcher, cancel?: AbortSignal): Promise<Scrape> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await request(url, {
    method: 'GET',
    headers: { accept: 'text/plain; version=0.0.4', ...headers },
    dispatcher,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: cancel ? AbortSignal.any([timeout, cancel]) : timeout,
  });
  let text = '';
  for await (const chunk of res.body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > MAX_BYTES) {
      res.body.destroy();
      throw new Error(`the answer is larger than ${MAX_BYTES / 1024 / 1024} MiB`);
    }
  }
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}`);
  return parseScrape(text);
}

export function parseScrape(text: string): Scrape {
  let parsed: ReturnType<typeof parsePrometheusTextFormat>;
  try {
    parsed = parsePrometheusTextFormat(text);
  } catch (err) {
    throw new Error(`not the Prometheus text format (${(err as Error).message})`, { cause: err });
  }
  const families: Scrape['families'] = new Map();
  for (const f of parsed) {
    const samples: Array<{ value: number; labels: Record<string, string> }> = [];
    for (const m of f.metrics) {
      // Histograms and summaries are read through their _sum / _count series.
      if (m.value !== undefined) samples.push({ value: Number(m.value), labels: m.labels ?? {} });
      else {
        if (m.sum !== undefined) pushTo(families, `${f.name}_sum`, f.type, Number(m.sum), m.labels ?? {});
        if (m.count !== undefined) pushTo(families, `${f.name}_count`, f.type, Number(m.count), m.labels ?? {});
      }
    }
    const prev = families.get(f.name);
    if (prev) prev.samples.push(...samples);
    else families.set(f.name, { type: f.type, samples });
  }
  return { families };
}

function pushTo(families: Scrape['families'], name: string, type: string, value: number, labels: Record<string, string>): void {
  const fam = families.get(name) ?? { type: type === 'HISTOGRAM' || type === 'SUMMARY' ? 'COUNTER' : type, samples: [] };
  fam.samples.push({ value, labels });
  families.set(name, fam);
}

export interface Selector {
  name: string;
  labels: Record<string, string>;
}

export function parseSelector(text: string): Selector {
  const brace = text.indexOf('{');
  if (brace < 0) return { name: text.trim(), labels: {} };
  const labels: Record<string, string> = {};
  const re = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  for (const m of text.slice(brace).matchAll(re)) labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
  return { name: text.slice(0, brace).trim(), labels };
}

/**
 * The value of a selector in a scrape: the sum of every matching series (a selector that leaves a
 * label open adds its series up), with whether it is a counter; null when no series matches.
 */
export function selectValue(s: Scrape, sel: Selector): { value: number; counter: boolean } | null {
  const fam = s.families.get(sel.name);
  if (!fam) return null;
  let sum = 0;
  let found = false;
  for (const sample of fam.samples) {
    if (Object.entries(sel.labels).every(([k, v]) => sample.labels[k] === v) && Number.isFinite(sample.value)) {
      sum += sample.value;
      found = true;
    }
  }
  return found ? { value: sum, counter: fam.type === 'COUNTER' || sel.name.endsWith('_total') } : null;
}
