// The diagnoses against small real servers, one file each in __tests__/servers/node/, alone or behind
// haproxy (Debian's, installed by .ci/run): a growing set — every setup on which a diagnosis was found
// wrong gets its case here, with the diagnosis it must get, or none. Whole gate runs (config → load →
// report), the stages 1x1, 10x1, 20x1. Without haproxy its cases are skipped loudly; in CI
// (`CI` or `TTFC_REQUIRE_REAL_SERVERS`) they fail instead.
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import type { Report } from '../../src/core/report-types.js';
import { missingHaproxy, startHaproxy, startNode } from '../helpers/real-servers.js';
import type { RealServer } from '../helpers/python-servers.js';

const missing = missingHaproxy();
if (missing !== null) {
  const text = `\n\n*** SKIPPED: the haproxy diagnosis tests need ${missing} ***\n\n`;
  if (process.env.CI || process.env.TTFC_REQUIRE_REAL_SERVERS) throw new Error(`${text}(CI / TTFC_REQUIRE_REAL_SERVERS is set: install it, see .ci/run)`);
  console.warn(text);
}
const withHaproxy = missing === null ? describe : describe.skip;

const STAGES = '1x1, 10x1, 20x1';

async function gate(url: string): Promise<Report> {
  const cfg = buildConfig({ method: 'GET', cooldown: '100ms', criteria: 'errors == 0', timeout: '20s', url, stages: STAGES }, { env: {} });
  const report = await runGate(cfg, { noWrite: true });
  for (const s of report.stages) expect(s.failed).toBe(0);
  return JSON.parse(JSON.stringify(report)) as Report; // as users read it
}

const kinds = (r: Report): string[] => r.diagnoses.map((d) => `${d.kind}@${d.users}`);

/** Runs `path` against `server` (started, then closed); behind haproxy `variant` when given. */
async function against(file: string, path: string, variant?: 'defaults' | 'no_delay'): Promise<Report> {
  const app = await startNode(file);
  let proxy: RealServer | null = null;
  try {
    proxy = variant === undefined ? null : await startHaproxy(app.url, variant);
    return await gate(`${(proxy ?? app).url}${path}`);
  } finally {
    await proxy?.close();
    await app.close();
  }
}

// An answer of 20 events 50 ms apart after 300 ms: ~1.3 s, the events ~200 bytes.
const STEADY = '/chat?ttfc=300&events=20&interval=50&size=200';

describe('a steady stream', () => {
  test('straight from the server: no diagnosis', async () => {
    expect(kinds(await against('steady.mjs', `${STEADY}&flush=1`))).toEqual([]);
  });
});

withHaproxy('haproxy in front of a steady stream', () => {
  interface CorkedEvidence {
    holdMs: number;
    periodMs: number;
    burstEvents: number;
    cadenceMs: number;
    headersHeldMs: number | null;
    stages: { users: number; judged: number; corked: number }[];
  }

  test('its defaults (MSG_MORE): corked at every stage, ~200 ms held, bursts of a few events; headers sent alone held too', async () => {
    const r = await against('steady.mjs', `${STEADY}&flush=1`, 'defaults');
    expect(kinds(r)).toEqual(['corked@null']);
    const d = r.diagnoses[0]!;
    const e = d.evidence as unknown as CorkedEvidence;
    expect(e.stages.map((s) => s.users)).toEqual([1, 10, 20]);
    for (const s of e.stages) expect(s.corked).toBeGreaterThanOrEqual(0.6 * s.judged);
    // The kernel's 200 ms cork, a burst every hold plus up to one interval: not the server's 50 ms.
    expect(e.holdMs).toBeGreaterThan(150);
    expect(e.holdMs).toBeLessThan(320);
    expect(e.periodMs).toBeGreaterThan(170);
    expect(e.periodMs).toBeLessThan(350);
    expect(e.burstEvents).toBeGreaterThanOrEqual(3);
    expect(e.burstEvents).toBeLessThanOrEqual(8);
    expect(e.cadenceMs).toBeGreaterThan(35);
    expect(e.cadenceMs).toBeLessThan(70);
    expect(e.headersHeldMs!).toBeGreaterThan(150);
    expect(d.summary).toMatch(
      /^a proxy holds the stream back ~\d+ ms and sends it in bursts of ~\d events \(~[\d.]+ (KB|bytes)\) every ~\d+ ms — haproxy without `option http-no-delay`\?$/,
    );
    expect(d.message).toContain('(1) haproxy without `option http-no-delay`');
    expect(d.message.indexOf('haproxy')).toBeLessThan(d.message.indexOf('Nagle'));
    expect(d.message.indexOf('Nagle')).toBeLessThan(d.message.indexOf('compression'));
    // 1-user TTFC: the server's 300 ms plus the hold.
    expect(r.stages[0]!.ttfc.avg!).toBeGreaterThan(420);
    // The comment: one bullet on the first screen, not a buffered one.
    const md = renderMarkdown(r, {});
    expect(md).toMatch(/^- \*\*corked\*\*: a proxy holds the stream back/m);
    expect(md).not.toContain('**buffered**');
  });

  test('its defaults, headers sent with the first event: corked all the same', async () => {
    const r = await against('steady.mjs', STEADY, 'defaults');
    expect(kinds(r)).toEqual(['corked@null']);
    expect((r.diagnoses[0]!.evidence as unknown as CorkedEvidence).headersHeldMs).toBeNull();
  });

  test('option http-no-delay: the stream passes at its own pace, no diagnosis', async () => {
    const r = await against('steady.mjs', `${STEADY}&flush=1`, 'no_delay');
    expect(kinds(r)).toEqual([]);
    expect(r.stages[0]!.ttfc.avg!).toBeLessThan(420);
  });
});

describe('a node:http handler that blocks its event loop for part of the TTFC', () => {
  test('200 ms synchronous then 300 ms awaited: serialized at 10 and 20 users, a blocking section of ~200 ms', async () => {
    const r = await against('blocking-section.mjs', '/chat?block=200&await=300');
    expect(kinds(r)).toEqual(['serialized@10', 'serialized@20']);
    for (const d of r.diagnoses) {
      const w = (d.evidence as { firstWave: { held: string; holdMs: number } }).firstWave;
      expect(w.held).toBe('section');
      expect(w.holdMs).toBeGreaterThan(170);
      expect(w.holdMs).toBeLessThan(260);
      expect(d.message).toMatch(/A blocking section of ~\d+ ms per request \(of its \d+ ms to first chunk\) is served one request at a time/);
      expect(d.message).not.toMatch(/saturates|pool/);
    }
    expect(r.diagnoses[0]!.summary).toBe(r.diagnoses[1]!.summary);
    expect(r.diagnoses[0]!.summary).toMatch(/^a blocking section of ~\d+ ms per request runs one request at a time/);
  });

  test('its awaited twin (500 ms awaited): no diagnosis', async () => {
    expect(kinds(await against('awaited.mjs', '/chat?await=500'))).toEqual([]);
  });
});
