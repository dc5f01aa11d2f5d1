// Spawns the compiled demo server (lib/src/demo/server.js) as a child process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../../', import.meta.url);
const SERVER_JS = fileURLToPath(new URL('lib/src/demo/server.js', ROOT));
const START_TIMEOUT_MS = 10_000;

export interface SpawnedDemo {
  url: string;
  /** The server process (for `ps -o rss= -p PID`). */
  pid: number;
  close(): Promise<void>;
}

export async function spawnDemo(opts: { record?: boolean; extraDelayMs?: number; log?: string } = {}): Promise<SpawnedDemo> {
  const args = [SERVER_JS, '--port', '0'];
  if (opts.record === true) args.push('--record');
  if (opts.extraDelayMs !== undefined) args.push('--extra-delay', String(opts.extraDelayMs));
  if (opts.log !== undefined) args.push('--log', opts.log);
  const child = spawn(process.execPath, args, {
    cwd: fileURLToPath(ROOT),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 64_000) stderr += d;
  });

  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`demo server did not start within ${START_TIMEOUT_MS} ms\nstderr: ${stderr}`));
    }, START_TIMEOUT_MS);
    const onData = (d: string): void => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl === -1) return;
      const line = stdout.slice(0, nl).trim();
      cleanup();
      const m = /^listening (http:\/\/\S+)$/.exec(line);
      if (m?.[1] === undefined) {
        child.kill('SIGKILL');
        reject(new Error(`demo server printed an unexpected first line: ${line}\nstderr: ${stderr}`));
      } else {
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      // Let the last stderr bytes arrive before reporting.
      setImmediate(() => reject(new Error(`demo server exited early (code ${code}, signal ${signal})\nstderr: ${stderr}`)));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout.resume();

  let closing: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    close(): Promise<void> {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      })();
      return closing;
    },
  };
}
