// Builds a config the way the adapters do and runs the whole gate without writing a report file.
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import type { Report } from '../../src/core/report-types.js';

export async function gate(inputs: Inputs): Promise<Report> {
  const cfg = buildConfig({ cooldown: '50ms', ...inputs }, { env: process.env });
  return runGate(cfg, { noWrite: true });
}
