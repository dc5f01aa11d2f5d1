// What the load layer sends: the request's fixed parts and a renderer for the per-request ones
// (headers and body filled for a stage, user and iteration). Built by config/, run by the runner.
import type { RenderedRequest, RequestIds, RequestSpec } from './request.js';

/** Everything the runner needs per request; `render` fills per-request templates (headers, body). */
export interface LoadTarget {
  spec: RequestSpec;
  render(ctx: RequestIds): RenderedRequest;
  /** Once aborted, no user starts another request (a cancel; those in flight listen to spec.signal). */
  stop?: AbortSignal;
}
