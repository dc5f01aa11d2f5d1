// `npm run bench:wire [-- --stages 1x20]`: the whole gate (the CLI, warm-up and all) against the demo
// server, with tcpdump capturing the loopback, and each request's TTFC compared with the wire's: from
// the request's first packet (its SYN on a new connection) to the first packet that carries an
// event. The reference the benchmark's server timestamps cannot give: what a capture shows. Needs
// tcpdump and the right to capture (root, or CAP_NET_RAW); one user, so requests match in order.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from 'simple-statistics';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const STAGES = arg('--stages', '1x20');
if (!/^1x\d+$/.test(STAGES)) {
  process.stderr.write(`--stages: one user only (1xN), so requests and packets match in order; got "${STAGES}"\n`);
  process.exit(2);
}
const SERVER = fileURLToPath(new URL('../src/demo/server.js', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const STREAM = 'mode=async&delay=50&events=5&interval=10';

interface Packet {
  ts: number; // seconds
  from: number; // source port
  to: number;
  syn: boolean;
  payload: string;
}

/** The packets of a pcap file (Ethernet or Linux cooked link layer, IPv4, TCP). */
function readPcap(file: string): Packet[] {
  const b = readFileSync(file);
  const ipAt = b.readUInt32LE(20) === 1 ? 14 : 16;
  const out: Packet[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const ts = b.readUInt32LE(o) + b.readUInt32LE(o + 4) / 1e6;
    const d = b.subarray(o + 16, o + 16 + b.readUInt32LE(o + 8));
    o += 16 + d.length;
    const tcp = ipAt + (d[ipAt]! & 15) * 4;
    const flags = d[tcp + 13]!;
    out.push({
      ts,
      from: d.readUInt16BE(tcp),
      to: d.readUInt16BE(tcp + 2),
      syn: (flags & 2) !== 0 && (flags & 16) === 0,
      payload: d.subarray(tcp + (d[tcp + 12]! >> 4) * 4).toString('latin1'),
    });
  }
  return out;
}

/** Per request, in order: ms from its first packet (the SYN when it opened the connection) to the first packet with an event. */
function wireTtfc(packets: Packet[], port: number): number[] {
  const out: number[] = [];
  let syn: number | null = null;
  let start: number | null = null;
  for (const p of packets) {
    if (p.to === port) {
      if (p.syn) syn = p.ts;
      else if (/^(GET|POST) /.test(p.payload)) {
        start = syn ?? p.ts;
        syn = null;
      }
    } else if (p.from === port && start !== null && p.payload.includes('data:')) {
      out.push((p.ts - start) * 1000);
      start = null;
    }
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'ttfc-wire-'));
const server = spawn(process.execPath, [SERVER, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const url = await new Promise<string>((resolve) => server.stdout.setEncoding('utf8').once('data', (d: string) => resolve(/listening (\S+)/.exec(d)![1]!)));
  const port = Number(new URL(url).port);
  const pcap = join(dir, 'lo.pcap');
  const dump = spawn('tcpdump', ['-i', 'lo', '-U', '-s', '512', '-w', pcap, 'tcp', 'port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((resolve, reject) => {
    dump.once('error', reject);
    dump.stderr.once('data', resolve); // "listening on lo …"
  });
  const report = join(dir, 'report.json');
  execFileSync(process.execPath, [CLI, '--url', `${url}/chat?${STREAM}`, '--method', 'GET', '--stages', STAGES, '--criteria', 'errors == 0', '--report-path', report], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 1000)); // the last packets reach the file
  dump.kill('SIGINT');
  await new Promise((r) => dump.once('exit', r));
  const requests = (JSON.parse(readFileSync(report, 'utf8')) as { requests: Array<{ ttfc: number | null; connect: number | null }> }).requests;
  const wire = wireTtfc(readPcap(pcap), port);
  if (wire.length !== requests.length) throw new Error(`${requests.length} requests in the report, ${wire.length} on the wire: the capture missed packets`);
  const diffs = requests.map((r, i) => (r.ttfc ?? NaN) - wire[i]!);
  const f = (n: number): string => n.toFixed(2);
  process.stdout.write(
    [
      `ttfc-gate ${STAGES} against the demo server (\`${STREAM}\`), TTFC − the wire's (ms), ${requests.length} requests:`,
      `  first request ${f(diffs[0]!)} (gate ${f(requests[0]!.ttfc ?? NaN)}, wire ${f(wire[0]!)}; its connect ${f(requests[0]!.connect ?? NaN)})`,
      `  p50 ${f(quantile(diffs, 0.5))}, p90 ${f(quantile(diffs, 0.9))}, max ${f(Math.max(...diffs))}, min ${f(Math.min(...diffs))}`,
      '',
    ].join('\n'),
  );
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
