// A preview that attacks the gate: answers with workflow commands, terminal escapes and a fake
// comment marker, echoes every header and the body back (secrets included), serves HTML, SSE
// garbage, cuts streams after the headers, and streams a line that never ends (lazily: bytes are
// written only as fast as the client reads them, never allocated as a whole).
import { json, listen, type TestServer } from '../helpers/servers/http.js';

export const COMMAND_BODY = [
  'upstream failed',
  '::error::X',
  '::add-mask::HTTP',
  '::set-output name=passed::true',
  '::stop-commands::T',
  '  ::warning file=a.ts::indented',
  '##[error]old style',
  '\u001b[31mred\u001b[0m \u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007 \u009b2J',
  '<!-- ttfc-gate:default -->',
  'done',
].join('\n');

export interface HostileServer extends TestServer {
  /** Bytes written by the endless-line route so far. */
  hugeBytesSent(): number;
}

export async function startHostileServer(): Promise<HostileServer> {
  let hugeSent = 0;
  const server = await listen(async (req, res, raw) => {
    const u = new URL(req.path, 'http://x');
    switch (u.pathname) {
      case '/commands':
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(COMMAND_BODY);
        return;
      case '/commands-sse':
        // An in-band error that carries commands (the openai preset reads `error.message`).
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify({ error: { message: COMMAND_BODY } })}\n\n`);
        return;
      case '/html':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><html><body><div id="root"></div><script src="/app.js"></script></body></html>');
        return;
      case '/garbage-sse':
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end('<html>\nthis is not\nan event stream at all\n\n');
        return;
      case '/pings':
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(': ping\n\n: ping\n\n');
        return;
      case '/cut':
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.flushHeaders();
        setTimeout(() => raw.socket.destroy(), 20);
        return;
      case '/echo':
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'echo', url: req.path, headers: req.headers, body: req.body }));
        return;
      case '/login':
        json(res, 200, { data: { access_token: 'LOGIN-TOKEN-9f8e7d6c5b4a' } });
        return;
      case '/ok':
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end('data: {"ok":true}\n\n');
        return;
      case '/slow': {
        // One event after `ms`, the end after another `ms`: a stage of these takes a while.
        const ms = Number(u.searchParams.get('ms') ?? 300);
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        await new Promise((r) => setTimeout(r, ms));
        if (!res.destroyed) res.write('data: first\n\n');
        await new Promise((r) => setTimeout(r, ms));
        if (!res.destroyed) res.end('data: last\n\n');
        return;
      }
      case '/huge': {
        // `data: xxxx…` for up to 1 GiB without a newline, written only when the socket drains.
        const ndjson = u.searchParams.get('format') === 'ndjson';
        res.writeHead(200, { 'Content-Type': ndjson ? 'application/x-ndjson' : 'text/event-stream' });
        const block = Buffer.alloc(64 * 1024, 'x');
        const total = 1024 ** 3;
        let sent = 0;
        res.write(ndjson ? '{"a":"' : 'data: ');
        const pump = (): void => {
          while (sent < total && !res.destroyed) {
            sent += block.length;
            hugeSent += block.length;
            if (!res.write(block)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end('\n\n');
        };
        res.on('error', () => undefined);
        pump();
        return;
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found');
    }
  });
  return { ...server, hugeBytesSent: () => hugeSent };
}
