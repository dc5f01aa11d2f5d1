import { performance } from 'node:perf_hooks';

/** Monotonic high-resolution milliseconds (uv_hrtime based, same clock as process.hrtime). */
export const now = (): number => performance.now();

/** Epoch milliseconds (sub-ms) of a monotonic timestamp. */
export const toEpoch = (t: number): number => performance.timeOrigin + t;
