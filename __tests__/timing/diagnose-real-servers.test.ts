// The diagnoses against the servers users run: Quart on hypercorn (async, a blocking call in the async
// handler, an asyncio.Semaphore(4) held for the answer), Flask on gunicorn's gthread worker with 4
// threads, and nginx in front (its default upstream settings, buffering off, gzip for event streams).
// Whole gate runs (config → load → report). Needs python3 with quart/hypercorn/flask/gunicorn and nginx
// (Debian packages; `.ci/run` installs them): without them these tests are skipped loudly, and in CI
// (`CI` or `TTFC_REQUIRE_REAL_SERVERS` set, as `.ci/run` does) they fail instead, so they never go
// missing silently.
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import { renderTerminal } from '../../src/core/report/terminal.js';
import type { Diagnosis } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';
import { missingServers, startNginx, startPython, type RealServer } from '../helpers/python-servers.js';

const missing = missingServers();
if (missing !== null) {
  const text = `\n\n*** SKIPPED: the real-server diagnosis tests need ${missing} ***\n\n`;
  if (process.env.CI || process.env.TTFC_REQUIRE_REAL_SERVERS) throw new Error(`${text}(CI / TTFC_REQUIRE_REAL_SERVERS is set: install them, see .ci/run)`);
  console.warn(text);
}
const maybe = missing === null ? describe : describe.skip;

let quart: RealServer;
let gunicorn: RealServer;
beforeAll(async () => {
  if (missing !== null) return;
  [quart, gunicorn] = await Promise.all([startPython('hypercorn', 'quart_app:app'), startPython('gunicorn', 'flask_app:app')]);
});
afterAll(async () => {
  await Promise.all([quart?.close(), gunicorn?.close()]);
});

async function gate(url: string, inputs: Inputs = {}): Promise<Report> {
  const cfg = buildConfig({ method: 'GET', cooldown: '100ms', criteria: 'errors == 0', timeout: '20s', url, ...inputs }, { env: {} });
  const report = await runGate(cfg, { noWrite: true });
  for (const s of report.stages) expect(s.failed).toBe(0);
  return JSON.parse(JSON.stringify(report)) as Report; // as users read it
}

const kinds = (r: Report): string[] => r.diagnoses.map((d) => `${d.kind}@${d.users}`);

interface PoolEvidence {
  capacity: number;
  throughputRatio: number;
  firstWave: { groups: number[]; held: string; from: string; concurrency: number; holdMs: number; stepMs: number };
}

/** A pool of 4: saturated at 3–5 on every flagged stage, never serialized; returns the diagnoses. */
function expectPoolOf4(r: Report, mustFlag: number[], held: 'whole_request'): Diagnosis[] {
  expect(r.diagnoses.filter((d) => d.kind === 'serialized')).toEqual([]);
  for (const users of mustFlag) expect(kinds(r)).toContain(`saturated@${users}`);
  const ds = r.diagnoses.filter((d) => d.kind === 'saturated');
  for (const d of ds) {
    const e = d.evidence as unknown as PoolEvidence;
    expect(e.capacity).toBeGreaterThanOrEqual(3);
    expect(e.capacity).toBeLessThanOrEqual(5);
    expect(e.firstWave).toMatchObject({ held, from: 'groups' });
    // Groups one whole request apart: the step is about the single request's total time.
    expect(e.firstWave.stepMs / e.firstWave.holdMs).toBeGreaterThan(0.6);
    expect(e.firstWave.stepMs / e.firstWave.holdMs).toBeLessThan(1.5);
    expect(d.message).toContain(`the server saturates at about ${e.capacity} concurrent requests`);
    expect(d.message).toContain(`came in groups of about ${e.capacity}, one whole request (about`);
    expect(d.message).toContain('holds its place for its whole stream');
    expect(d.message).not.toMatch(/one at a time|blocking call/);
  }
  return ds;
}

// ~1.5 s answers after a 0.3 s first chunk; ~0.5 s answers.
const LONG = 'ttfc=0.3&events=25&interval=0.05';
const SHORT = 'ttfc=0.3&events=5&interval=0.05';

maybe('a pool of 4 (gunicorn gthread, 4 threads; asyncio.Semaphore(4)): saturated at about 4, never serialized', () => {
  test('gunicorn, long answers: groups of 4 one whole answer apart', async () => {
    const r = await gate(`${gunicorn.url}/chat?${LONG}`, { stages: '1x1, 8x1' });
    const [d] = expectPoolOf4(r, [8], 'whole_request');
    // The evidence agrees with the message: throughput grew about as much as the pool is wide.
    const e = d!.evidence as unknown as PoolEvidence;
    expect(e.throughputRatio).toBeGreaterThan(2.5);
    expect(e.firstWave.groups[0]).toBe(e.capacity);
  });

  test('gunicorn, short answers: the same pool size (groups one whole request apart, not one TTFC)', async () => {
    const r = await gate(`${gunicorn.url}/chat?${SHORT}`, { stages: '1x1, 8x1, 16x1' });
    expectPoolOf4(r, [16], 'whole_request');
  });

  test('Quart with asyncio.Semaphore(4) around the answer, long answers', async () => {
    const r = await gate(`${quart.url}/chat?mode=semaphore&${LONG}`, { stages: '1x1, 8x1' });
    expectPoolOf4(r, [8], 'whole_request');
  });

  test('Quart with asyncio.Semaphore(4), short answers', async () => {
    const r = await gate(`${quart.url}/chat?mode=semaphore&${SHORT}`, { stages: '1x1, 8x1, 16x1' });
    expectPoolOf4(r, [16], 'whole_request');
  });
});

maybe('Quart on hypercorn: blocking and async handlers', () => {
  test('a blocking call in the async handler stays serialized, and the message explains its throughput', async () => {
    const r = await gate(`${quart.url}/chat?mode=blocking&ttfc=0.15&events=10&interval=0.05`, { stages: '1x1, 8x1' });
    expect(kinds(r)).toEqual(['serialized@8']);
    const d = r.diagnoses[0]!;
    const e = d.evidence as unknown as PoolEvidence & { ttfcGrowth: number };
    expect(e.firstWave.concurrency).toBeLessThan(1.5);
    expect(e.firstWave.held).toBe('first_chunk');
    expect(e.ttfcGrowth).toBeGreaterThan(2);
    expect(d.message).toContain('look for blocking calls in the async handler');
    // The streams after the first chunk run side by side, so throughput grew; the message says why.
    if (e.throughputRatio > 2) expect(d.message).toContain('only the part before the first chunk waits its turn');
    else expect(d.message).toMatch(/^at 8 users throughput is \d+\.\d× that of 1 user and TTFC grew/);
  });

  test('an async handler: no diagnosis', async () => {
    const r = await gate(`${quart.url}/chat?mode=async&${LONG}`, { stages: '1x1, 8x1' });
    expect(r.diagnoses).toEqual([]);
  });

  test('an OpenAI-style stream without usage: a stream rate per stage in events/s, named as such', async () => {
    const r = await gate(`${quart.url}/chat?mode=async&format=openai&ttfc=0.1&events=20&interval=0.02`, { stages: '1x1, 2x1', preset: 'openai' });
    for (const s of r.stages) {
      expect(s.tokens).toBeUndefined();
      expect(s.streamRate!.unit).toBe('events/s');
      // 21 events after the first in ~0.4 s: tens of events a second, far from 0 and from a burst.
      expect(s.streamRate!.perRequest.p50!).toBeGreaterThan(15);
      expect(s.streamRate!.perRequest.p50!).toBeLessThan(100);
    }
    const md = renderMarkdown(r, { tag: 'default', reportPath: 'ttfc-report.json' });
    expect(md).toMatch(/\| Stream rate \|/);
    expect(md).toMatch(/\| \d+\.\d\u00A0events\/s \|/); // in the collapsed per-stage figures, number and unit joined
    expect(md).toContain('Stream rate: the server sent no token usage, so this is events per second after the first chunk');
    expect(renderTerminal(r)).toMatch(/events\/s after 1st chunk/);
  });
});

maybe('nginx in front of a long streamed answer', () => {
  // ~1.5 s of 120-byte events every 25 ms: about 7 KB, more than one of nginx's 4 KB buffers.
  const ANSWER = 'mode=async&ttfc=0.2&events=60&interval=0.025&size=120';
  const withNginx = async (variant: Parameters<typeof startNginx>[1], inputs: Inputs = {}): Promise<Report> => {
    const nginx = await startNginx(quart.url, variant);
    try {
      return await gate(`${nginx.url}/chat?${ANSWER}`, { stages: '1x1, 4x1', ...inputs });
    } finally {
      await nginx.close();
    }
  };

  test('default upstream settings (HTTP/1.0, buffering on): buffered, in bursts, with the bursts as evidence', async () => {
    const r = await withNginx('defaults');
    expect(kinds(r)).toEqual(['buffered@null']);
    const d = r.diagnoses[0]!;
    const e = d.evidence as {
      inBlocks: number;
      bunched: number;
      heldBackP50Ms: number;
      compressed: string | null;
      example: { bursts: { atMs: number; events: number; bytesApprox: number }[] };
      stages: { users: number; inBlocks: number; multiEvent: number }[];
    };
    expect(e.inBlocks + e.bunched).toBe(5);
    expect(e.compressed).toBeNull();
    // At 1 user too: the pattern does not come from a loaded client.
    expect(e.stages[0]).toMatchObject({ users: 1, multiEvent: 1 });
    // ~7 KB through 4 KB buffers: a first block long before the end, not everything at once.
    expect(e.inBlocks).toBeGreaterThan(e.bunched);
    const bursts = e.example.bursts;
    expect(bursts.length).toBeGreaterThanOrEqual(2);
    expect(bursts.reduce((n, b) => n + b.events, 0)).toBe(60);
    expect(bursts[0]!.events).toBeGreaterThanOrEqual(8); // a block of events, not one
    expect(bursts[0]!.bytesApprox).toBeGreaterThan(1000);
    expect(bursts[1]!.atMs - bursts[0]!.atMs).toBeGreaterThan(100);
    expect(e.heldBackP50Ms).toBeGreaterThan(100);
    expect(d.message).toMatch(/^buffered stream: in 5 of 5 multi-event responses \(100%; 1 of 1 at 1 user\) the events arrived in a few bursts far apart/);
    expect(d.message).toMatch(/e\.g\. \d+ at [\d.]+ m?s, \d+ at [\d.]+ m?s/);
    expect(d.message).toContain('Usual causes: a proxy that buffers the response — nginx `proxy_buffering on`');
    expect(d.message).not.toContain('The responses were compressed');
    expect(d.message).toContain('not compression: the responses came uncompressed');
    // The 1-user TTFC is the proxy's, not the app's 0.2 s.
    expect(r.stages[0]!.ttfc.avg!).toBeGreaterThan(400);
  });

  test('proxy_buffering off: streams, no diagnosis', async () => {
    const r = await withNginx('buffering_off');
    expect(r.diagnoses).toEqual([]);
  });

  test('gzip on for text/event-stream: buffered, compression named as the likely cause', async () => {
    // Accept-Encoding set here explicitly: the engine may not send it by default.
    const r = await withNginx('gzip_sse', { headers: 'Accept-Encoding: gzip, deflate, br' });
    expect(r.requests.every((q) => q.encoding === 'gzip')).toBe(true);
    expect(kinds(r)).toEqual(['buffered@null']);
    const d = r.diagnoses[0]!;
    expect(d.evidence.compressed).toBe('gzip');
    expect(d.message).toContain('The responses were compressed (Content-Encoding: gzip), so the likely cause is compression of the event stream');
    // Both causes, the likely one first.
    expect(d.message.indexOf('compression of the event stream')).toBeLessThan(d.message.indexOf('proxy_buffering'));
  });
});
