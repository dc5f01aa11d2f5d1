import type { FailureCategory, RequestRecord } from '../types.js';

export interface RequestIds {
  stage: number;
  user: number;
  iteration: number;
}

/** The gaps of a request with fewer than two events: one empty array for all of them, never written to. */
const NO_GAPS: number[] = Object.freeze([]) as unknown as number[];

/**
 * A request's record as the engine fills it in. Its gaps (and per-token gaps) stay in memory for the
 * pooled itl figures but are not own properties, so a report written from the records (JSON, a
 * spread) leaves them out without a copy of 100,000 records. Accessors over private fields, not a
 * non-enumerable property redefined on every record: that redefinition cost a microsecond per request.
 */
export class LiveRecord implements RequestRecord {
  stage: number;
  user: number;
  iteration: number;
  startedAt = 0;
  status: number | null = null;
  ok = false;
  category: FailureCategory | null = null;
  error: string | null = null;
  connect: number | null = null;
  ttfb: number | null = null;
  ttfc: number | null = null;
  ttft: number | null = null;
  total: number | null = null;
  stall: number | null = null;
  events = 0;
  bytes = 0;
  // Set only when they apply (declared, not initialised: no own property until then, as the report expects).
  declare tokens?: number;
  declare lateness?: number;
  declare ttfr?: number;
  declare encoding?: string;
  declare retried?: boolean;
  #gaps: number[] | undefined = NO_GAPS;
  #tokenGaps: number[] | undefined;

  constructor(ids: RequestIds) {
    this.stage = ids.stage;
    this.user = ids.user;
    this.iteration = ids.iteration;
  }

  get gaps(): number[] | undefined {
    return this.#gaps;
  }

  set gaps(v: number[] | undefined) {
    this.#gaps = v;
  }

  get tokenGaps(): number[] | undefined {
    return this.#tokenGaps;
  }

  set tokenGaps(v: number[] | undefined) {
    this.#tokenGaps = v;
  }
}
