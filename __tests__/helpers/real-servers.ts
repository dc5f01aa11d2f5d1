// The small servers of __tests__/servers/node/ (one file each, `node FILE`, printing `PORT <n>`) and haproxy
// in front of one, from __tests__/servers/haproxy/haproxy.cfg.template: a temp dir for its config, a free
// port, foreground, no root. Each is a child process the test starts and stops.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOnFreePort, startPrintingPort, type RealServer } from './python-servers.js';

const SERVERS = fileURLToPath(new URL('../servers/', import.meta.url));
const HAPROXY = ['/usr/sbin/haproxy', 'haproxy'].find((p) => spawnSync(p, ['-v'], { stdio: 'ignore' }).status === 0);

/** Why the haproxy tests cannot run here, or null. */
export function missingHaproxy(): string | null {
  return HAPROXY === undefined ? 'haproxy (apt-get install haproxy)' : null;
}

/** `node __tests__/servers/node/FILE` on a free port of 127.0.0.1, once it answers /health. */
export function startNode(file: string): Promise<RealServer> {
  return startPrintingPort(file, process.execPath, [join(SERVERS, 'node', file)], SERVERS);
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
  const file = join(dir, 'haproxy.cfg');
  return startOnFreePort({
    label: 'haproxy',
    dir,
    command: HAPROXY,
    args: ['-db', '-f', file],
    stopSignal: 'SIGTERM',
    writeConfig: (port) =>
      writeFileSync(
        file,
        template.replaceAll('{{PORT}}', String(port)).replaceAll('{{UPSTREAM_PORT}}', new URL(upstream).port).replaceAll('{{OPTIONS}}', HAPROXY_VARIANTS[variant]),
      ),
  });
}
