// undici's side of a request: the handler it calls for one attempt, which hands each callback to the
// request (request.ts) unless a retry has superseded that attempt.
import type { Dispatcher } from 'undici';

/** What an attempt reports to: the request it is an attempt of. */
export interface AttemptOwner {
  /** The current attempt's number; an older attempt's callbacks are dropped. */
  readonly attempt: number;
  /** The request has its verdict: nothing more of it is acted on. */
  readonly done: boolean;
  /** The response body, when the headers said it has one to decode or parse. */
  readonly body: { end(): void } | null;
  connected(abort: (err: Error) => void): void;
  headers(statusCode: number, rawHeaders: Buffer[]): void;
  data(chunk: Buffer): void;
  complete(): void;
  failed(err: Error): void;
}

/**
 * undici's handler for one attempt of an exchange: one object per attempt, not six closures per
 * request. A retry supersedes the attempt before it: what undici still says about that one is dropped.
 */
export class Attempt implements Dispatcher.DispatchHandler {
  constructor(
    private readonly x: AttemptOwner,
    private readonly n: number,
  ) {}

  private get current(): boolean {
    return this.n === this.x.attempt && !this.x.done;
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.n !== this.x.attempt) return abort(new Error('superseded'));
    this.x.connected(abort as (err: Error) => void);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (this.current) this.x.headers(statusCode, rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.current) this.x.data(chunk);
    return true;
  }

  onComplete(): void {
    if (!this.current) return;
    if (this.x.body)
      this.x.body.end(); // a decoder completes the request once it has flushed
    else this.x.complete();
  }

  // Never acted on inside undici (see sendRequest): a retry or the next request dispatched here would re-enter it.
  onError(err: Error): void {
    if (this.current) queueMicrotask(() => this.current && this.x.failed(err));
  }
}
