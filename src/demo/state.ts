// The demo server's state: the server's (record maps, pools, the leak, the log) and one stream's.
import type { WriteStream } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Params } from './params.js';

/** A bounded "worker pool": at most `limit` requests in their delay phase at once. */
export interface Pool {
  limit: number;
  active: number;
  queue: (Stream | undefined)[];
  head: number;
}

export interface Ctx {
  writes: Map<string, bigint> | undefined;
  extraDelayMs: number;
  /** Record mode: hrtime of each tagged request's arrival (its handler ran). */
  arrivals: Map<string, bigint> | undefined;
  /** Record mode: connections accepted since the last DELETE /__timeline. */
  connections: number;
  pools: Map<number, Pool>;
  /** Leak mode: what every request left behind (never freed while the server runs). */
  leaked: Buffer[];
  log: WriteStream | undefined;
}

export interface Stream {
  ctx: Ctx;
  res: DemoResponse;
  socket: Socket;
  p: Params;
  /** Events written so far. */
  sent: number;
  /** When the request arrived (performance.now()): openai tokens keep to delay + k × interval from it, without drift. */
  start: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The response closed (finished or client gone): no more timers, no more writes. */
  closed: boolean;
  pool: Pool | undefined;
  /** Holds a pool slot (pool mode, during the delay phase). */
  holding: boolean;
}

export class DemoResponse extends ServerResponse<IncomingMessage> {
  st: Stream | undefined;
}
