// A real accept queue that overflows (a Python server with a listen backlog of 8 that stalls 1.5 s on
// the first request of the 60-user stage): Linux drops the SYNs past the queue and the clients send
// them again after TCP's 1 s timeout, so most of the stage's connections come up whole seconds late.
// The whole gate run must say so (connect_storm, reading `retransmitted`), where the 1-user stage did not.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { startPrintingPort, type RealServer } from '../helpers/python-servers.js';

const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import socket'], { stdio: 'ignore' }).status === 0);
if (PYTHON === undefined && (process.env.CI || process.env.TTFC_REQUIRE_REAL_SERVERS)) throw new Error('the backlog test needs python3 (CI / TTFC_REQUIRE_REAL_SERVERS is set)');
const maybe = PYTHON === undefined ? test.skip : test;
const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'servers', 'python');

let server: RealServer | undefined;
afterAll(async () => {
  await server?.close();
});

// A long test timeout: a starved machine drains the queue slowly, and some SYNs go out again and
// again (after 1, 2, 3, 4 s, then 8 and 16 s).
maybe(
  'a listen backlog that overflows: connects resent after 1 s, said as such',
  async () => {
    server = await startPrintingPort('backlog_server.py', PYTHON!, [join(DIR, 'backlog_server.py'), '1.5'], DIR);
    const cfg = buildConfig({ url: `${server.url}/chat`, method: 'GET', stages: '1x1, 60x1', cooldown: '100ms', criteria: 'errors == 0', timeout: '45s' }, { env: {} });
    const report = await runGate(cfg, { noWrite: true });
    for (const s of report.stages) expect(s.failed).toBe(0);
    const storm = report.diagnoses.filter((d) => d.kind === 'connect_storm');
    expect(storm).toHaveLength(1);
    const e = storm[0]!.evidence as Record<string, number | string>;
    expect(storm[0]!.users).toBe(60);
    expect(e.reading).toBe('retransmitted');
    // 9 connections fit the queue (backlog 8) and the one being served; the others waited for a resent SYN.
    expect(e.retransmitted as number).toBeGreaterThanOrEqual(40);
    expect(e.onRetransmitSchedule as number).toBeGreaterThanOrEqual(0.75);
    expect(storm[0]!.message).toContain("came up only after TCP's 1 s SYN retransmission timeout");
    expect(storm[0]!.message).toContain('where with 1 user none did');
  },
  120_000,
);
