import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { gzipSync } from 'node:zlib';
import { UserConnection } from './connection.js';
import { performRequest, type RequestSpec } from './request.js';

let warmed: Promise<void> | null = null;

/**
 * Pays the process's one-time costs before the first measured request, so the 1-user stage reads
 * what the wire shows: a few requests through the whole request path (undici's client and HTTP
 * parser, the stream parser, the preset, the gzip decoder) against a throwaway server on 127.0.0.1
 * in this process — never the target — and, for https, the root certificate store. Once a process.
 */
export function warmEngine(spec: RequestSpec): Promise<void> {
  warmed ??= warm(spec).catch(() => undefined); // a failed warm-up only leaves the engine cold
  return warmed;
}

const EVENTS = 'data: {"id":1,"content":"warm"}\n\ndata: {"id":2,"content":"up"}\n\n';

async function warm(spec: RequestSpec): Promise<void> {
  if (spec.origin.startsWith('https:')) createSecureContext(); // loads the root store, as the first TLS connection would
  const gzipped = gzipSync(EVENTS);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const zip = req.url === '/gzip';
      res.writeHead(200, { 'content-type': 'text/event-stream', ...(zip ? { 'content-encoding': 'gzip' } : {}) });
      res.end(zip ? gzipped : EVENTS);
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const conn = new UserConnection(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 5_000);
  try {
    for (const [i, path] of ['/', '/gzip', '/'].entries()) {
      await performRequest(
        conn,
        {
          ...spec,
          origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          path,
          timeoutMs: 5_000,
        },
        { headers: { 'x-warm-up': '1' }, body: spec.method === 'GET' || spec.method === 'HEAD' ? null : '{}' },
        { stage: 0, user: 0, iteration: i + 1 },
      );
    }
  } finally {
    await conn.close();
    await closeServer(server);
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
