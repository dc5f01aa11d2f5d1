// The url and (compare-url) the base as the engine loads them: the request's fixed parts and its
// template filled per request with the run's token (the token input, or the login's once prepare/ ran).
import type { LoadTarget } from '../load/target.js';
import type { Config } from './config.js';
import { renderRequest } from './request.js';

export interface Targets {
  head: LoadTarget;
  /** The compare target (compare-url), when set. */
  base?: LoadTarget;
}

export function targetsOf(cfg: Config, token: string | undefined = cfg.token): Targets {
  const spec = { method: cfg.method, timeoutMs: cfg.timeoutMs, format: cfg.format, preset: cfg.preset, maxEventBytes: cfg.maxEventBytes };
  const target = (t: Pick<Config, 'origin' | 'path' | 'request'>): LoadTarget => ({
    spec: { ...spec, origin: t.origin, path: t.path },
    render: (ids) => renderRequest(t.request, ids, token),
  });
  return cfg.compare ? { head: target(cfg), base: target(cfg.compare) } : { head: target(cfg) };
}
