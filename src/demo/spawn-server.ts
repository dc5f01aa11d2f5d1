// The demo chat server in a process of its own (a blocked event loop in the server must not stall
// the client's clock), for `npm run demo` and `npm run readme:comment`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export async function startDemoServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.js', import.meta.url)), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`demo server exited (${code})`)));
    child.stdout.setEncoding('utf8').once('data', (d: string) => {
      const m = /listening (\S+)/.exec(d);
      if (m) resolve(m[1]!);
      else reject(new Error(`unexpected demo server output: ${d}`));
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}
