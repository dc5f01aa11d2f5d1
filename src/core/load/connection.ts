import type { Socket } from 'node:net';
import { buildConnector, Client, type Dispatcher } from 'undici';
import { now } from '../time/clock.js';
import { sharedLookup } from './dns.js';
import { ParserSlot } from './stream-parser.js';

/** What a request needs of the connection it is sent on. */
export interface Connection {
  readonly dispatcher: Dispatcher;
  /**
   * Asked once per request, when undici hands it to a socket: true when that socket was opened for
   * it (its `connect` is measured, connectedSince), false when it was reused (its `connect` is 0).
   */
  takeFresh(): boolean;
  /**
   * How long after `t0` its socket finished connecting (the TLS handshake included): asked by a
   * request handed to a new socket, whose `connect` it is; null while that socket has not connected.
   */
  connectedSince(t0: number): number | null;
  /** The stream parser its responses reuse, one after another. */
  readonly parsers: ParserSlot;
  /**
   * When bytes last reached its socket (now(); -1 before any): a response's bytes are stamped with
   * their arrival, not with the later moment undici's parser hands them over.
   */
  readonly lastRead: number;
  /** Arms the deadline of the request it carries: `timeOut` is called in `ms` unless `disarm` comes first. */
  arm(request: Deadline, ms: number): void;
  disarm(request: Deadline): void;
}

/** A request with a deadline. */
export interface Deadline {
  timeOut(): void;
}

// One reason shared by every closing socket: undici would build an error (and Node format its
// stack) per socket, thousands of them at the end of a large stage.
const STAGE_OVER = new Error('the stage is over');

// Idle time never closes a user's socket during its loop: the stage closes it at its end.
const KEEP_ALIVE_MS = 10 * 60_000;

// Plain http: one connector for all users of a process, not one built per Client.
const connectors = new Map<number, buildConnector.connector>();
function plainConnector(timeoutMs: number): buildConnector.connector {
  let c = connectors.get(timeoutMs);
  if (c === undefined) connectors.set(timeoutMs, (c = buildConnector({ timeout: timeoutMs, lookup: sharedLookup })));
  return c;
}

/**
 * One user's connection, as a browser tab holds it: an undici Client (at most one socket, one request
 * at a time), so the user's next request rides on the socket its last one used, never waits for or
 * opens another, and no dispatch looks at other users' sockets. When the server closes the socket,
 * the next request opens a new one (counted in `opened`, its `connect` measured).
 */
export class UserConnection implements Connection {
  readonly dispatcher: Client;
  readonly parsers = new ParserSlot();
  /** Sockets opened so far. */
  opened = 0;
  lastRead = -1;
  /** When its last socket finished connecting (now(); -1 before any). */
  private connectedAt = -1;
  private fresh = false;
  /**
   * One timer for the deadlines of the requests it carries, one after another: re-armed with
   * refresh(), not a timer made and cleared per request. Disarmed, it points at no request; the
   * connection's close clears it.
   */
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerMs = -1;
  private timed: Deadline | null = null;
  private readonly fire = (): void => {
    const request = this.timed;
    this.timed = null;
    request?.timeOut();
  };

  constructor(origin: string, connectTimeoutMs: number) {
    this.dispatcher = new Client(origin, {
      // Never two requests in flight (a user sends one after another), but pipelining 1 makes undici
      // hold a reused socket's next request until the check phase (a setImmediate, plus its idle
      // socket validation when nothing was queued at completion): after every other socket's I/O
      // of that loop turn, milliseconds at 100 users, counted in the next request's TTFC while a
      // browser writes at once. With 2, a request dispatched from the completion callback (the
      // runner does; never from an error callback, where undici asserts its queue is empty: see
      // request.ts sendRequest) is written immediately. What that skips, undici's check for bytes or a close
      // arriving on an idle socket (GHSA-35p6-xmwp-9g52), guards a socket shared by callers who
      // trust different servers; a user's socket only ever talks to the one preview, which may
      // answer anything anyway. A server that closes the socket after a response without saying
      // so costs the one retry request.ts makes on a reused socket.
      pipelining: 2,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
      // https: a connector (and so a TLS session cache) per user, as distinct clients have: a
      // user's reconnect may resume its session, another user's first handshake is a full one.
      // Names are resolved once for all users at a time (dns.ts).
      connect: this.opening(origin.startsWith('https:') ? buildConnector({ timeout: connectTimeoutMs, lookup: sharedLookup }) : plainConnector(connectTimeoutMs)),
    });
    // undici emits 'connect' when it is handed a new socket, before it writes the request the socket was opened for.
    this.dispatcher.on('connect', () => {
      this.fresh = true;
    });
  }

  /**
   * undici's connector, changed in two ways.
   *
   * The socket is handed to undici as it starts connecting, not once it has connected (undici's own
   * connector waits for 'connect'). undici then writes the request at once, and Node holds it until
   * the connection is up, as node:http does and as browsers send theirs. Waiting costs a loop turn
   * per socket: at a stage's start, a thousand connects complete in one burst, each running undici's
   * setup (parser, listeners) and request head, tens of ms in all while the first answers wait
   * unread; a bare node:http client did that work as it started its users. The connect's outcome is
   * still undici's to see: a refused or timed-out connect is an error on the socket it holds, the
   * same error for the request (undici's 'connect' event now means "handed a new socket").
   *
   * Every socket stamps its reads: a 'readable' listener added before undici's own runs first on
   * every read, so the stamp is the moment the bytes came off the socket; undici's parsing, from
   * wasm to our handler, comes after it (tens of µs, a tenth of a millisecond for a process woken
   * from idle).
   */
  private opening(connector: buildConnector.connector): buildConnector.connector {
    const read = (): void => {
      this.lastRead = now();
    };
    return (opts, callback) => {
      let handed = false;
      const hand = (...args: Parameters<buildConnector.Callback>): void => {
        if (handed) return;
        handed = true;
        callback(...args);
      };
      // The callback comes on 'connect' ('secureConnect' for https), or with the error before it.
      const socket = (connector as (...a: Parameters<buildConnector.connector>) => Socket | undefined)(opts, (...args) => {
        if (args[0] === null) {
          this.connectedAt = now();
          this.opened++;
        }
        hand(...args);
      });
      if (socket === undefined) return;
      socket.on('readable', read);
      // Not synchronously: undici is inside its resume, which ignores the resume a callback asks for.
      // A microtask: at a stage's start the users' setups then run before the connects net.connect
      // queued as ticks, which go out in one burst (measured at 1000 users: the first requests reach
      // the server ~30 ms sooner than with a tick after each connect).
      queueMicrotask(() => hand(null, socket));
    };
  }

  connectedSince(t0: number): number | null {
    return this.connectedAt >= t0 ? this.connectedAt - t0 : null;
  }

  arm(request: Deadline, ms: number): void {
    this.timed = request;
    if (this.timer !== null && ms === this.timerMs) this.timer.refresh();
    else {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = setTimeout(this.fire, ms);
      this.timerMs = ms;
    }
  }

  disarm(request: Deadline): void {
    if (this.timed === request) this.timed = null;
  }

  takeFresh(): boolean {
    const fresh = this.fresh;
    this.fresh = false;
    return fresh;
  }

  /** Closes the socket now (the stage is over; nothing of it is still wanted). */
  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timed = null;
    await this.dispatcher.destroy(STAGE_OVER).catch(() => undefined);
  }
}
