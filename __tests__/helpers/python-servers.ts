// Real Python servers for the diagnosis tests: Quart on hypercorn and Flask on gunicorn (gthread),
// from __tests__/servers/python/, and nginx in front of them from a config template there. Each is a
// child process started and stopped by the test; nginx runs from a temp dir (own pid, logs, temp
// paths) on a free port, so neither needs root.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../servers/python/', import.meta.url));
const START_TIMEOUT_MS = 15_000;
/** Debian's interpreter: the one `apt-get install python3-quart …` installs the modules for. */
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import quart, hypercorn, flask, gunicorn'], { stdio: 'ignore' }).status === 0);
const NGINX = ['/usr/sbin/nginx', 'nginx'].find((p) => spawnSync(p, ['-v'], { stdio: 'ignore' }).status === 0);

/** Why the real-server tests cannot run here, or null when python3 (with the modules) and nginx are present. */
export function missingServers(): string | null {
  const missing: string[] = [];
  if (PYTHON === undefined) missing.push('python3 with quart, hypercorn, flask and gunicorn (apt-get install python3-quart python3-hypercorn python3-flask gunicorn)');
  if (NGINX === undefined) missing.push('nginx (apt-get install nginx)');
  return missing.length ? missing.join('; ') : null;
}

export interface RealServer {
  url: string;
  close(): Promise<void>;
}

function stop(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  return exited.finally(() => clearTimeout(timer));
}

/** `hypercorn quart_app:app` or `gunicorn flask_app:app` (1 worker, gthread, 4 threads unless `threads`) on 127.0.0.1:0. */
export async function startPython(server: 'hypercorn' | 'gunicorn', app: string, opts: { threads?: number } = {}): Promise<RealServer> {
  if (PYTHON === undefined) throw new Error(missingServers()!);
  const args = [join(DIR, 'serve.py'), server, app, ...(opts.threads === undefined ? [] : [String(opts.threads)])];
  return startPrintingPort(server, PYTHON, args, DIR);
}

/**
 * Starts `command` (which prints `PORT <n>` once it listens on 127.0.0.1:n) and waits until it answers
 * GET /health; killed on any failure. `label` names it in errors.
 */
export async function startPrintingPort(label: string, command: string, args: string[], cwd: string): Promise<RealServer> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 32_000) stderr += d;
  });
  let stdout = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start within ${START_TIMEOUT_MS} ms\n${stderr}`)), START_TIMEOUT_MS);
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
      setImmediate(() => reject(new Error(`${label} exited early (code ${code})\n${stderr}`)));
    });
  }).catch(async (err: Error) => {
    await stop(child, exited, 'SIGKILL');
    throw err;
  });
  const url = `http://127.0.0.1:${port}`;
  // The socket listens before the server runs: wait until the app answers.
  await waitHttp(`${url}/health`, () => stderr).catch(async (err: Error) => {
    await stop(child, exited, 'SIGKILL');
    throw err;
  });
  return { url, close: () => stop(child, exited, 'SIGTERM') };
}

async function waitHttp(url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${START_TIMEOUT_MS} ms\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port that was free a moment ago (nginx takes its port from the config file). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** The nginx variants under test: the directives added to the proxied location. */
export const NGINX_VARIANTS = {
  /** nginx's defaults: HTTP/1.0 to the upstream, proxy_buffering on. */
  defaults: '',
  buffering_off: 'proxy_buffering off;\nproxy_http_version 1.1;',
  /** Compression of event streams at the proxy (responses buffered as by default). */
  gzip_sse: 'gzip on;\ngzip_types text/event-stream;\ngzip_min_length 0;\ngzip_proxied any;',
} as const;

/** nginx with the template's config and `variant` in front of `upstream`, on a free port of 127.0.0.1. */
export async function startNginx(upstream: string, variant: keyof typeof NGINX_VARIANTS): Promise<RealServer> {
  if (NGINX === undefined) throw new Error(missingServers()!);
  const upstreamPort = new URL(upstream).port;
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-nginx-'));
  chmodSync(dir, 0o755); // nginx workers (nobody when the master is root) reach their temp paths
  const location = NGINX_VARIANTS[variant]
    .split('\n')
    .filter(Boolean)
    .map((l) => `            ${l}`)
    .join('\n');
  const template = readFileSync(join(DIR, 'nginx.conf.template'), 'utf8');
  const conf = join(dir, 'nginx.conf');
  return startOnFreePort({
    label: 'nginx',
    dir,
    command: NGINX,
    args: ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')],
    stopSignal: 'SIGQUIT',
    writeConfig: (port) =>
      writeFileSync(
        conf,
        template.replaceAll('{{DIR}}', dir).replaceAll('{{PORT}}', String(port)).replaceAll('{{UPSTREAM_PORT}}', upstreamPort).replaceAll('{{LOCATION}}', location),
      ),
    log: () => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return ''; // no log
      }
    },
  });
}

/**
 * A server that takes its port from a config file (nginx, haproxy), started on a free port of 127.0.0.1
 * from `dir` (removed when it stops); another port is tried (3 in all) when someone took it first.
 */
export async function startOnFreePort(o: {
  label: string;
  dir: string;
  command: string;
  args: string[];
  stopSignal: NodeJS.Signals;
  writeConfig: (port: number) => void;
  log?: () => string;
}): Promise<RealServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    o.writeConfig(port);
    const child = spawn(o.command, o.args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
          await stop(child, exited, o.stopSignal);
          rmSync(o.dir, { recursive: true, force: true });
        },
      };
    }
    await stop(child, exited, 'SIGKILL');
    const log = `${stderr}\n${o.log?.() ?? ''}`;
    if (attempt < 3 && /Address already in use|cannot bind/i.test(log)) continue;
    rmSync(o.dir, { recursive: true, force: true });
    throw new Error(`${o.label} did not start: ${log}`);
  }
}
