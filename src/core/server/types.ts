// Types of the server side: what is configured, and what the report says about it.

import type { Stats } from '../types.js';
import type { LinePattern } from './pattern.js';
import type { MonitorUnit } from '../metric-names.js';

/** Where a monitor's number comes from: a shell command, or a series of the Prometheus endpoint. */
export type MonitorSource = { kind: 'command'; command: string } | { kind: 'metric'; series: string; rate: boolean };

export interface MonitorSpec {
  name: string;
  source: MonitorSource;
}

export interface ServerSpec {
  /** `timeoutMs`: health-timeout, each probe's own bound (a slower probe is a failure). */
  health: { url: string; displayUrl: string; intervalMs: number; timeoutMs: number; headers: () => Record<string, string> } | null;
  monitors: MonitorSpec[];
  monitorIntervalMs: number;
  /** Per-sample timeout of a monitor (command or scrape). */
  sampleTimeoutMs: number;
  metrics: { url: string; displayUrl: string; headers: () => Record<string, string> } | null;
  logs: { command: string; errorPattern: LinePattern; patternText: string } | null;
  /** Values never printed. */
  secrets: string[];
}

/** Which part of the run a sample belongs to: before stage 1, a stage (1-based), after the last. */
export type Phase = 'before' | number | 'after';

export interface HealthStage {
  /** Probes that ended in this stage, failures included. */
  n: number;
  failures: number;
  /** Latency of the successful probes (ms). */
  latency: Stats;
}

export interface HealthSection {
  url: string;
  intervalMs: number;
  /** A probe before stage 1 (ms), null when it failed. */
  idle: number | null;
  /** Per stage (1-based `index`). */
  stages: Array<{ index: number; users: number } & HealthStage>;
  /** The first few failure messages. */
  errors: Array<{ stage: number; message: string }>;
}

export interface MonitorSample {
  /** ms since the run started (the idle-before sample). */
  t: number;
  phase: Phase;
  value: number;
}

export interface MonitorStage {
  index: number;
  users: number;
  n: number;
  min: number | null;
  avg: number | null;
  max: number | null;
}

export interface MonitorSection {
  name: string;
  /** The command or the series (redacted). */
  source: string;
  unit: MonitorUnit;
  idleBefore: number | null;
  idleAfter: number | null;
  peak: number | null;
  /** idleAfter / idleBefore − 1 (null without both). */
  growth: number | null;
  stages: MonitorStage[];
  samples: MonitorSample[];
  /** Samples that failed (error, timeout, no number). */
  failures: number;
  /** The first few failure messages. */
  warnings: string[];
}

export interface LogStage {
  index: number;
  users: number;
  lines: number;
  errors: number;
  /** Up to 5 distinct error lines (redacted, cut; escape them before markdown). */
  samples: string[];
  /** False when the log command had stopped before this stage began: its counts say nothing. */
  followed: boolean;
}

export interface LogSection {
  command: string;
  pattern: string;
  /** Lines before stage 1 / after the last stage (not in any stage). */
  before: { lines: number; errors: number };
  stages: LogStage[];
  /** Why the follower stopped early, if it did. */
  warning: string | null;
}

/** The JSON report's `server` section. */
export interface ServerSection {
  /** Stage boundaries on the sample clock (ms since the run started), for charts. */
  boundaries: Array<{ index: number; users: number; start: number; end: number | null }>;
  /** ms since the run started when the idle-after samples were taken. */
  finishedAt: number | null;
  health: HealthSection | null;
  monitors: MonitorSection[];
  logs: LogSection | null;
  /** Problems with the server-side collection (never fatal), one sentence each. */
  warnings: string[];
}
