import { performance } from 'node:perf_hooks';

/** Monotonic high-resolution milliseconds (uv_hrtime based, same clock as process.hrtime). */
export const now = (): number => performance.now();

/** Epoch milliseconds (sub-ms) of a monotonic timestamp. */
export const toEpoch = (t: number): number => performance.timeOrigin + t;

/** Offset that turns `now()` into process.hrtime.bigint() milliseconds (the system-wide monotonic clock). */
export function hrtimeOffsetMs(): number {
  const a = now();
  const h = Number(process.hrtime.bigint()) / 1e6;
  const b = now();
  return h - (a + b) / 2;
}
