// The open model against the demo server in its own process, as issue 22 checks it: the arrivals the
// server logs are Poisson (inter-arrival CV near 1, about R × D of them); a server slower than the
// offered rate builds a queue a closed stage of the same size never shows, and goodput says so; a
// server with known token timing gives TTFT, TPOT, tokens/s and per-token ITL within 5%.
import { request } from 'node:http';
import { arrivalTimes, stageSeed } from '../../src/core/load/arrivals.js';
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import type { RequestRecord, StageSummary } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';

let demo: SpawnedDemo;
beforeAll(async () => {
  demo = await spawnDemo({ record: true });
});
afterAll(async () => {
  await demo.close();
});

function gate(query: string, inputs: Inputs): Promise<Report> {
  const cfg = buildConfig({ url: `${demo.url}/chat?${query}`, method: 'GET', cooldown: '300ms', criteria: 'success_rate > 0%', ...inputs }, { env: {} });
  return runGate(cfg, { noWrite: true });
}

function timeline(method: 'GET' | 'DELETE'): Promise<Record<string, [string, string | null]>> {
  return new Promise((resolve, reject) => {
    const req = request(`${demo.url}/__timeline`, { method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(method === 'GET' ? (JSON.parse(text) as { requests: Record<string, [string, string | null]> }).requests : {}));
    });
    req.on('error', reject).end();
  });
}

/** Coefficient of variation of the gaps between the server's arrival stamps (ns) of one stage. */
function arrivalCv(requests: Record<string, [string, string | null]>, stage: number): { n: number; cv: number } {
  const ts = Object.entries(requests)
    .filter(([id]) => id.startsWith(`${stage}-`))
    .map(([, [ns]]) => Number(BigInt(ns)) / 1e6)
    .sort((a, b) => a - b);
  const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
  return { n: ts.length, cv: sd / mean };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean TTFC of the first and the last third of a stage's successful requests, by (scheduled) start. */
function thirds(r: Report, stage: number): { first: number; last: number } {
  const ok = r.requests.filter((q: RequestRecord) => q.stage === stage && q.ok).sort((a, b) => a.startedAt - b.startedAt);
  const k = Math.floor(ok.length / 3);
  return { first: mean(ok.slice(0, k).map((q) => q.ttfc!)), last: mean(ok.slice(-k).map((q) => q.ttfc!)) };
}

const within = (actual: number | null | undefined, expected: number, share = 0.05): void => {
  expect({ actual, expected, ok: actual != null && Math.abs(actual - expected) <= share * expected }).toMatchObject({ ok: true });
};

test('Poisson arrivals reach the server with gaps of CV near 1, about R × D of them; uniform ones evenly', async () => {
  const headers = 'x-request-id: {{stage}}-{{user}}';
  await timeline('DELETE');
  const poisson = await gate('mode=async&delay=5&events=2&interval=2', { stages: '25/s:6s', headers });
  const p = arrivalCv(await timeline('GET'), 1);
  const scheduled = arrivalTimes(25, 6000, 'poisson', stageSeed(1, 1)).length;
  expect(poisson.stages[0]!.rate!.scheduled).toBe(scheduled);
  expect(p.n).toBe(scheduled);
  expect(Math.abs(p.n - 150)).toBeLessThan(3 * Math.sqrt(150));
  expect(p.cv).toBeGreaterThan(0.8);
  expect(p.cv).toBeLessThan(1.3);

  await timeline('DELETE');
  await gate('mode=async&delay=5&events=2&interval=2', { stages: '25/s:4s', headers, arrival: 'uniform' });
  const u = arrivalCv(await timeline('GET'), 1);
  expect(u.n).toBe(100);
  expect(u.cv).toBeLessThan(0.35);
});

describe('a server slower than the offered rate (one request at a time, 100 ms each: 10/s) under 15/s', () => {
  const busy = 'mode=pool&workers=1&delay=100&events=2&interval=5';
  let r: Report;
  beforeAll(async () => {
    r = await gate(busy, { stages: '15/s:4s, 3x20', goodput: 'ttfc < 500ms', criteria: '@15/s: goodput_rate > 90%' });
  }, 60_000);

  test('TTFC grows through the rate stage; a closed stage of the same size stays flat', () => {
    const open = thirds(r, 1);
    const closed = thirds(r, 2);
    expect(open.last).toBeGreaterThan(2.5 * open.first);
    expect(open.last - open.first).toBeGreaterThan(800);
    expect(closed.last / closed.first).toBeGreaterThan(0.7);
    expect(closed.last / closed.first).toBeLessThan(1.4);
    expect(r.stages[1]!.issued).toBe(60);
    expect(Math.abs(r.stages[0]!.issued - 60)).toBeLessThan(25);
  });

  test('the queue diagnosis says where the queue is and what the server serves; no closed-model diagnosis reads the rate stage', () => {
    const q = r.diagnoses.find((d) => d.kind === 'queue');
    expect(q).toMatchObject({ rate: 15, users: null });
    const served = Number(/serves about ([\d.]+) requests\/s/.exec(q!.message)![1]);
    expect(served).toBeGreaterThan(7);
    expect(served).toBeLessThan(12);
    for (const d of r.diagnoses.filter((x) => x.rate !== undefined)) expect(['queue', 'client_late']).toContain(d.kind);
  });

  test('goodput_rate fails there', () => {
    const c = r.criteria.find((x) => x.text === '@15/s: goodput_rate > 90%')!;
    expect(c.status).toBe('fail');
    expect(c.actual!).toBeLessThan(70);
    expect(r.passed).toBe(false);
  });

  test('and passes on an async server at the same rate, with a flat TTFC and no queue', async () => {
    const ok = await gate('mode=async&delay=100&events=2&interval=5', { stages: '15/s:4s', goodput: 'ttfc < 500ms', criteria: '@15/s: goodput_rate > 90%' });
    expect(ok.criteria[0]!.status).toBe('pass');
    expect(ok.passed).toBe(true);
    const t = thirds(ok, 1);
    expect(t.last / t.first).toBeLessThan(1.4);
    expect(ok.diagnoses.filter((d) => d.kind === 'queue')).toEqual([]);
  });
});

describe('a server with known token timing: first token after 300 ms, then one every 25 ms', () => {
  const X = 300;
  const Y = 25;
  const llm = (extra: string): Promise<Report> => gate(`format=openai&delay=${X}&interval=${Y}&events=21${extra}`, { preset: 'openai', stages: '4/s:3s' });
  const median = (s: StageSummary, k: 'ttft' | 'tpot' | 'itl' | 'ttft_reasoning'): number | null | undefined => s[k]?.p50;

  test('usage with every chunk: TTFT ≈ X, TPOT ≈ Y, tokens/s ≈ 1000 / Y, ITL per token ≈ Y', async () => {
    const s = (await llm('&usage=chunk')).stages[0]!;
    expect(s.succeeded).toBe(s.issued);
    within(median(s, 'ttft'), X);
    within(median(s, 'tpot'), Y);
    within(s.tokens!.perRequest.p50, 1000 / Y);
    within(median(s, 'itl'), Y);
    expect(s.itlPer).toBe('token');
    expect(s.tokens!.output!.avg).toBe(21);
  });

  test('usage at the end only: the same TPOT and tokens/s, ITL per event', async () => {
    const s = (await llm('&usage=end')).stages[0]!;
    within(median(s, 'tpot'), Y);
    within(s.tokens!.perRequest.p50, 1000 / Y);
    expect(s.itlPer).toBe('event');
  });

  test('reasoning first: ttft_reasoning ≈ X, ttft on the first content token ≈ X + 4 × Y', async () => {
    const s = (await llm('&usage=chunk&reasoning=4')).stages[0]!;
    within(median(s, 'ttft_reasoning'), X);
    within(median(s, 'ttft'), X + 4 * Y);
    within(median(s, 'tpot'), Y);
  });
});
