// What `wait-for` asks for, as plain data; polling it is prepare/readiness.ts.

/** `wait-for`: poll this URL with GET until it answers 2xx, at most `timeoutMs`. */
export interface ReadinessSpec {
  url: string;
  /** Safe to print. */
  displayUrl: string;
  timeoutMs: number;
  /** Headers of the load that may go to this URL (same origin only; never Authorization). */
  headers(): Record<string, string>;
}
