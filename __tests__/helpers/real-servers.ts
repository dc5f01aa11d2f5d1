// The small servers of __tests__/servers/node/ (one file each, `node FILE`, printing `PORT <n>`) and haproxy
// in front of one, from __tests__/servers/haproxy/haproxy.cfg.template: a temp dir for its config, a free
// port, foreground, no root. Each is a child process the test starts and stops.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portOpen, stop, waitHttp, type RealServer } from './python-servers.js';

const SERVERS = fileURLToPath(new URL('../servers/', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const HAPROXY = ['/usr/sbin/haproxy', 'haproxy'].find((p) => spawnSync(p, ['-v'], { stdio: 'ignore' }).status === 0);

/** Why the haproxy tests cannot run here, or null. */
export function missingHaproxy(): string | null {
  return HAPROXY === undefined ? 'haproxy (apt-get install haproxy)' : null;
}

/** `node __tests__/servers/node/FILE` on a free port of 127.0.0.1, once it answers /health. */
export async function startNode(file: string): Promise<RealServer> {
  const child = spawn(process.execPath, [join(SERVERS, 'node', file)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 32_000) stderr += d;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`${file} did not start within ${START_TIMEOUT_MS} ms\n${stderr}`)), START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /PORT (\d+)\n/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      setImmediate(() => reject(new Error(`${file} exited early (code ${code})\n${stderr}`)));
    });
  }).catch(async (err: Error) => {
    await stop(child, exited, 'SIGKILL');
    throw err;
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/health`, () => stderr).catch(async (err: Error) => {
    await stop(child, exited, 'SIGKILL');
    throw err;
  });
  return { url, close: () => stop(child, exited, 'SIGTERM') };
}

/** The haproxy variants under test: what goes in the `defaults` section. */
export const HAPROXY_VARIANTS = {
  /** haproxy's defaults: MSG_MORE on every send, so the kernel corks each write up to 200 ms. */
  defaults: '',
  no_delay: '    option http-no-delay',
} as const;

/** haproxy with the template's config and `variant` in front of `upstream`, on a free port of 127.0.0.1. */
export async function startHaproxy(upstream: string, variant: keyof typeof HAPROXY_VARIANTS): Promise<RealServer> {
  if (HAPROXY === undefined) throw new Error(missingHaproxy()!);
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-haproxy-'));
  const template = readFileSync(join(SERVERS, 'haproxy', 'haproxy.cfg.template'), 'utf8');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = template
      .replaceAll('{{PORT}}', String(port))
      .replaceAll('{{UPSTREAM_PORT}}', new URL(upstream).port)
      .replaceAll('{{OPTIONS}}', HAPROXY_VARIANTS[variant]);
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, conf);
    const child = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const deadline = Date.now() + START_TIMEOUT_MS;
    let up = false;
    while (!up && child.exitCode === null && Date.now() < deadline) {
      up = await portOpen(port);
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    if (up) {
      return {
        url: `http://127.0.0.1:${port}`,
        close: async () => {
          await stop(child, exited, 'SIGTERM');
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stop(child, exited, 'SIGKILL');
    // Someone took the port between the probe and haproxy's bind: try another.
    if (attempt < 3 && /cannot bind|Address already in use/i.test(stderr)) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`haproxy did not start: ${stderr}`);
  }
}
