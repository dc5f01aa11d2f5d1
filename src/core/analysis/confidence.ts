// Verdicts that hold on noisy runners, where one run's figure moves by more than the difference a
// gate should catch: seeded bootstrap confidence intervals (cached once per stage, metric and
// statistic), the strict / confident judgement of a criterion, and the median run of `repeat` runs. Pure.

export type { IntervalStat } from '../metric-names.js';
export * from './confidence/bootstrap.js';
export * from './confidence/judgement.js';
export * from './confidence/repeat.js';
