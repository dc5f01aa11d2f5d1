// `npm run build && node lib/bench/ab.js [RUNS] [STAGES]`: same-run A/B against the demo server, as
// the issue's acceptance measures it. RUNS runs of the same server twice (head = base): per stage the
// TTFC avg / p95 ratio of every run with its interval, the median ratio, and how many comparison
// criteria failed under verdict confident; then one run of a head 150 ms slower to its first event.
// Not part of the tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatRatio } from '../src/core/format.js';
import { buildConfig } from '../src/core/config/config.js';
import { runGate } from '../src/core/gate.js';
import type { Report } from '../src/core/report-types.js';

const SERVER = fileURLToPath(new URL('../src/demo/server.js', import.meta.url));

async function startServer(extra: number): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [SERVER, '--port', '0', '--extra-delay', String(extra)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(/listening (\S+)/.exec(d)![1]!));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

const CRITERIA = [
  'ttfc.avg <= compare.ttfc.avg',
  'ttfc.avg >= compare.ttfc.avg',
  'ttfc.p95 <= compare.ttfc.p95',
  'ttfc.p95 >= compare.ttfc.p95',
  'ttfc.avg < 1.2 * compare.ttfc.avg',
].join('\n');
const QUERY = '/chat?delay=150&events=3&interval=10';

async function run(head: string, base: string, stages: string): Promise<Report> {
  const cfg = buildConfig({ url: head + QUERY, 'compare-url': base + QUERY, stages, cooldown: '20ms', verdict: 'confident', criteria: CRITERIA }, { env: {} });
  return runGate(cfg, { noWrite: true });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ci = (r: { ratio: number | null; low: number | null; high: number | null } | undefined): string =>
  r?.ratio == null ? 'n/a' : `${formatRatio(r.ratio)} (${r.low === null ? '—' : formatRatio(r.low)}–${r.high === null ? '—' : formatRatio(r.high)})`;

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 10);
  const stages = process.argv[3] ?? '1x4, 10x3, 20x3';
  const same = await startServer(0);
  const slow = await startServer(150);
  try {
    console.log(`same server twice, ${runs} runs, stages ${stages}, verdict confident`);
    const byStage = new Map<number, { avg: number[]; p95: number[]; contains1: number }>();
    let failed = 0;
    for (let i = 0; i < runs; i++) {
      const r = await run(same.url, same.url, stages);
      const f = r.criteria.filter((c) => c.status === 'fail');
      failed += f.length;
      const cells = r.compare!.stages.map((s) => {
        const e = byStage.get(s.users) ?? { avg: [], p95: [], contains1: 0 };
        const a = s.ratios['ttfc.avg']!;
        e.avg.push(a.ratio!);
        e.p95.push(s.ratios['ttfc.p95']!.ratio!);
        if (a.low !== null && a.high !== null && a.low <= 1 && a.high >= 1) e.contains1++;
        byStage.set(s.users, e);
        return `${s.users}u avg ${ci(a)} p95 ${ci(s.ratios['ttfc.p95'])}`;
      });
      console.log(`run ${i + 1}: ${cells.join(' | ')}; failed comparisons: ${f.length}`);
    }
    for (const [users, e] of byStage) {
      console.log(`${users} users: median ratio avg ${median(e.avg).toFixed(3)}, p95 ${median(e.p95).toFixed(3)}; avg interval contains 1 in ${e.contains1}/${runs} runs`);
    }
    console.log(`comparison criteria failed: ${failed} of ${runs * 5 * byStage.size}`);
    const r = await run(slow.url, same.url, stages);
    console.log(`head 150 ms slower: ${r.compare!.stages.map((s) => `${s.users}u avg ${ci(s.ratios['ttfc.avg'])}${s.regressed ? ' REGRESSION' : ''}`).join(' | ')}`);
  } finally {
    same.stop();
    slow.stop();
  }
}

await main();
