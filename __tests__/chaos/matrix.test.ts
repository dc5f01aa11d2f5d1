// The fault matrix, in-process through runGate: every fault × when it strikes × stage shape × mode
// (alone, A/B, the server side on; see SHAPES_OF). Every cell must end with a report that counts each issued
// request exactly once, on both sides, with no crash and no unhandled rejection (jest fails a test
// on one). The cells of one fault and moment run at once: most of their time is spent waiting.
import {
  CELL_COOLDOWN,
  cellName,
  MATRIX_FAULTS,
  MODES,
  reportViolations,
  SHAPES,
  startCell,
  URL_FAULTS,
  WHENS,
  type Cell,
  type MatrixFault,
  type Mode,
  type When,
} from '../helpers/chaos-cell.js';
import { chaosServer } from '../helpers/chaos-server.js';
import { buildConfig } from '../../src/core/config/config.js';
import { parseStages } from '../../src/core/config/stages.js';
import { runGate } from '../../src/core/gate.js';

async function runCell(c: Cell): Promise<string[]> {
  const cell = await startCell(c);
  try {
    const cfg = buildConfig({ ...cell.inputs, cooldown: CELL_COOLDOWN }, { env: {} });
    const report = await runGate(cfg, { noWrite: true });
    return reportViolations(report, parseStages(cell.inputs.stages!)).map((v) => `${cellName(c)}: ${v}`);
  } catch (err) {
    return [`${cellName(c)}: threw ${(err as Error).stack ?? String(err)}`];
  } finally {
    await cell.close();
  }
}

const rows: Array<[MatrixFault, When]> = [];
for (const fault of MATRIX_FAULTS) for (const when of URL_FAULTS.includes(fault) ? (['before'] as const) : WHENS) rows.push([fault, when]);

// Alone, every shape; A/B and the server side add their own paths (a second group of users in
// rounds, probes and commands) at the shapes that tell: a user's next request, more than 10 users.
const SHAPES_OF: Record<Mode, readonly string[]> = { alone: SHAPES, ab: ['1x3', '10x3'], server: ['1x3', '10x3'] };

test.each(rows)('%s %s: every shape and mode keeps the invariants', async (fault, when) => {
  const cells: Cell[] = [];
  for (const mode of MODES) for (const shape of SHAPES_OF[mode]) cells.push({ fault, when, shape, mode });
  const violations = (await Promise.all(cells.map(runCell))).flat();
  expect(violations).toEqual([]);
});

// A shard runs its share of every stage's users: the same faults, the same invariants.
test.each(['refuse', 'exit', 'silence', 'reset-mid-stream'] as const)('a shard (1/2 and 2/2) against a server that does %s mid-stage', async (fault) => {
  const found: string[] = [];
  for (const shard of ['1/2', '2/2']) {
    // stages 10x3, 10x3: this shard sends 15 requests a stage; the fault strikes in its second one
    const server = await chaosServer([{ fault, after: 22 }]);
    try {
      const inputs = { url: `${server.url}/chat`, stages: '10x3, 10x3', timeout: '500ms', cooldown: CELL_COOLDOWN, shard };
      const report = await runGate(buildConfig(inputs, { env: {} }), { noWrite: true });
      if (server.stats.requests < 22) found.push(`shard ${shard}: the fault never struck (${server.stats.requests} requests)`);
      const plan = report.stages.map((s) => ({ users: s.users, requestsPerUser: s.requestsPerUser }));
      if (plan.some((s) => s.users !== 5)) found.push(`shard ${shard}: users ${plan.map((s) => s.users).join(', ')}`);
      found.push(...reportViolations(report, plan).map((v) => `shard ${shard}: ${v}`));
    } finally {
      await server.close();
    }
  }
  expect(found).toEqual([]);
});
