// The command runner with real processes: output, exit codes, stderr's last line, timeouts that
// kill the whole tree, a following command, and a Prometheus endpoint served by prom-client.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { runCommand, startCommand } from '../../src/core/server/command.js';
import { alive } from '../../src/core/server/process-group.js';
import { parseScrape, parseSelector, scrape, selectValue } from '../../src/core/server/prometheus.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-cmd-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runCommand', () => {
  test('stdout and exit code, through sh', async () => {
    const r = await runCommand(`printf 'Threads_connected\\t37\\n'; echo "$((40 + 2))"`, 5000);
    expect(r).toEqual({ exitCode: 0, stdout: 'Threads_connected\t37\n42\n', stderrLastLine: '', timedOut: false, cancelled: false });
  });

  test('a missing binary: exit 127 and the shell says so on stderr', async () => {
    const r = await runCommand('no-such-binary-ttfc --version', 5000);
    expect(r.exitCode).toBe(127);
    expect(r.stderrLastLine).toMatch(/no-such-binary-ttfc.*not found/);
    expect(r.timedOut).toBe(false);
  });

  test("stderr's last non-empty line", async () => {
    const r = await runCommand('echo first >&2; echo "Error: No such container: ragflow-server" >&2; echo >&2; exit 1', 5000);
    expect(r.exitCode).toBe(1);
    expect(r.stderrLastLine).toBe('Error: No such container: ragflow-server');
  });

  test('a hanging command is killed at its timeout, with its children', async () => {
    const pidFile = join(dir, 'pids');
    const t0 = Date.now();
    // A child and a grandchild that would outlive a plain kill of the shell.
    const r = await runCommand(`sleep 60 & echo $! > ${pidFile}; sh -c 'sleep 60 & echo $! >> ${pidFile}; wait'`, 400);
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    for (const p of pids) expect(alive(p)).toBe(false);
  });

  test('stdin is empty: a command that reads it does not wait', async () => {
    const r = await runCommand('cat; echo done', 5000);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'done\n', timedOut: false });
  });
});

describe('a following command', () => {
  test('tail -n0 -F: lines as they come, then killed', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'old line\n');
    const lines: string[] = [];
    const cmd = startCommand(`tail -n0 -F ${file}`, { onLine: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 500));
    appendFileSync(file, 'INFO one\nERROR two\n');
    const deadline = Date.now() + 10_000;
    while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await cmd.kill();
    const res = await cmd.done;
    expect(lines).toEqual(['INFO one', 'ERROR two']);
    expect(res.exitCode).not.toBe(0);
  });
});

describe('Prometheus text from prom-client', () => {
  let server: Server;
  let url: string;
  const registry = new Registry();
  beforeAll(async () => {
    collectDefaultMetrics({ register: registry });
    const g = new Gauge({ name: 'app_inflight', help: 'requests in flight', labelNames: ['handler'], registers: [registry] });
    g.set({ handler: 'chat' }, 3);
    g.set({ handler: 'health' }, 1);
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      void registry.metrics().then((text) => res.end(text));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  test('process series and a labelled series', async () => {
    const agent = new Agent();
    try {
      const s = await scrape(url, {}, 5000, agent);
      const rss = selectValue(s, parseSelector('process_resident_memory_bytes'));
      expect(rss!.value).toBeGreaterThan(1024 * 1024);
      expect(rss!.counter).toBe(false);
      expect(selectValue(s, parseSelector('process_cpu_seconds_total'))!.counter).toBe(true);
      expect(selectValue(s, parseSelector('app_inflight{handler="chat"}'))!.value).toBe(3);
      expect(selectValue(s, parseSelector('app_inflight'))!.value).toBe(4);
      expect(selectValue(s, parseSelector('app_inflight{handler="none"}'))).toBeNull();
    } finally {
      await agent.destroy();
    }
  });

  test('text that is not the format is an error', () => {
    expect(() => parseScrape('<html>{{{ nope')).toThrow(/not the Prometheus text format/);
  });
});
