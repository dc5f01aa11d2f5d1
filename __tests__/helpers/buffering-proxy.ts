// A small, real buffering reverse proxy on 127.0.0.1 — like nginx with `proxy_buffering on`: it
// forwards each request to the target, reads the WHOLE upstream response, and only then sends it
// (status, headers and body) to the client in one go, with a Content-Length instead of chunking.
import { createServer, request as httpRequest, Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface BufferingProxy {
  /** e.g. `http://127.0.0.1:40125` (no trailing slash). */
  url: string;
  /** Responses fully buffered and sent so far. */
  readonly buffered: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

export async function startBufferingProxy(target: string): Promise<BufferingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  let buffered = 0;

  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const payload = Buffer.concat(body);
      const headers = forwardable(req.headers);
      if (payload.length > 0) headers['content-length'] = payload.length;
      const up = httpRequest(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
          agent,
        },
        (upRes) => {
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => {
            const all = Buffer.concat(chunks);
            const out = forwardable(upRes.headers);
            out['content-length'] = all.length;
            buffered++;
            res.writeHead(upRes.statusCode ?? 502, out);
            res.end(all);
          });
          upRes.on('error', () => res.destroy());
        },
      );
      up.on('error', (err) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`buffering proxy: ${err.message}`);
      });
      up.end(payload);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('buffering proxy: unexpected listen address');

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    get buffered() {
      return buffered;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
        agent.destroy();
      });
      return closing;
    },
  };
}
