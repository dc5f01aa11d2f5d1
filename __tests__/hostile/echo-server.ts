// A preview that sends back what it was sent, on every channel the gate reads: the error body, the
// status text, the response headers (its Content-Type lands in a protocol error), an in-band error
// in the stream, and a health endpoint. What it echoes: the X-Echo, X-Api-Key and Authorization
// headers of the request (so a token comes back as the server saw it).
import type { IncomingHttpHeaders } from 'node:http';
import { listen, type TestServer } from '../helpers/servers/http.js';

const echoOf = (h: IncomingHttpHeaders): string => [h['x-echo'], h['x-api-key'], h.authorization].filter((v) => v !== undefined).join(' ');

/** Status text can carry any visible ASCII but no line break; undici reads it as latin1. */
const statusText = (s: string): string => s.replace(/[^\t\x20-\x7e]/g, '?').slice(0, 500);

export async function startEchoServer(): Promise<TestServer> {
  return listen((req, res) => {
    const echo = echoOf(req.headers);
    const path = req.path.split('?')[0];
    switch (path) {
      case '/error-body':
        // Everything the request carried, as a JSON error body.
        res.writeHead(500, { 'Content-Type': 'application/json' });
        return void res.end(JSON.stringify({ error: `rejected ${echo}`, headers: req.headers }));
      case '/header':
        // A file where a stream was expected: the gate names the content type (lowercased) in the error.
        res.writeHead(200, { 'Content-Type': `image/${statusText(echo)}`, 'X-Echo': statusText(echo) });
        return void res.end('GIF89a');
      case '/stream-error':
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        return void res.end(`data: ${JSON.stringify({ error: { message: `in-band ${echo}` } })}\n\n`);
      case '/health':
        // The echo in the status text and the body.
        res.writeHead(500, statusText(`unhealthy ${echo}`), { 'Content-Type': 'text/plain' });
        return void res.end(`unhealthy ${echo}`);
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return void res.end(`no route ${echo}`);
    }
  });
}
