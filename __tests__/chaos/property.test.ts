// Random fault schedules (fast-check) against chaos servers, in-process through runGate: which
// faults, from which request or answer, for how many requests, how long a restart stays down; the
// stage shapes; A/B on or off, the faults on either side. Every schedule must keep the matrix's
// invariants. CI runs CHAOS_RUNS (default 200) schedules within CHAOS_TIME_MS; `npm run chaos --
// --runs N --seed S` runs more, or replays one. A failure prints its seed and shrunk schedule.
import fc from 'fast-check';
import { chaosServer, LISTENER_FAULTS, REQUEST_FAULTS, type Step } from '../helpers/chaos-server.js';
import { reportViolations } from '../helpers/chaos-cell.js';
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';

const RUNS = Number(process.env.CHAOS_RUNS ?? 200);
const SEED = process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);
/** The CI run stops drawing new schedules after this long (the ones drawn so far must all hold). */
const TIME_MS = Number(process.env.CHAOS_TIME_MS ?? 30_000);

const stage = fc.record({ users: fc.integer({ min: 1, max: 12 }), requestsPerUser: fc.integer({ min: 1, max: 3 }) });
const step = fc.record(
  {
    fault: fc.constantFrom(...REQUEST_FAULTS, ...LISTENER_FAULTS, 'ok' as const),
    after: fc.integer({ min: 0, max: 40 }),
    on: fc.constantFrom('request' as const, 'answer' as const),
    count: fc.integer({ min: 1, max: 8 }),
    downMs: fc.integer({ min: 0, max: 120 }),
  },
  { requiredKeys: ['fault', 'after'] },
);
const schedule = fc.record({
  stages: fc.array(stage, { minLength: 1, maxLength: 3 }),
  head: fc.array(step, { maxLength: 3 }),
  /** null: no A/B; else the compare target's own schedule. */
  base: fc.option(fc.array(step, { maxLength: 2 }), { nil: null }),
  /** The head's url speaks TLS to the plain port, or names a host that does not resolve. */
  url: fc.constantFrom('plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'tls', 'unresolvable'),
});
type Schedule = typeof schedule extends fc.Arbitrary<infer T> ? T : never;

async function holds(s: Schedule): Promise<void> {
  const head = await chaosServer(s.head as Step[]);
  const base = s.base === null ? null : await chaosServer(s.base as Step[]);
  try {
    const url = s.url === 'tls' ? `https://127.0.0.1:${head.port}/chat` : s.url === 'unresolvable' ? `http://nonexistent.invalid:${head.port}/chat` : `${head.url}/chat`;
    const inputs: Record<string, string> = {
      url,
      stages: s.stages.map((x) => `${x.users}x${x.requestsPerUser}`).join(', '),
      timeout: '300ms',
      cooldown: '20ms',
      ...(base ? { 'compare-url': `${base.url}/chat` } : {}),
    };
    const report = await runGate(buildConfig(inputs, { env: {} }), { noWrite: true });
    const violations = reportViolations(report, s.stages);
    if (violations.length) throw new Error(violations.join('\n'));
  } finally {
    await Promise.all([head.close(), base?.close()]);
  }
}

test(
  `${RUNS} random fault schedules keep every invariant`,
  async () => {
    await fc.assert(fc.asyncProperty(schedule, holds), {
      numRuns: RUNS,
      ...(SEED !== undefined ? { seed: SEED } : {}),
      interruptAfterTimeLimit: TIME_MS,
      verbose: true,
    });
  },
  TIME_MS + 120_000,
);
