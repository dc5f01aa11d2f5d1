// The diagnoses as people read them (issue 24 §3): one bullet per kind and reading naming its stages, at
// most about two lines on the first screen; each stage's full message and the evidence in words, collapsed;
// the terminal the same. The JSON keeps one entry per stage.
import { diagnose } from '../../src/core/analysis/diagnose/index.js';
import { evidenceRows, humanKey } from '../../src/core/report/diagnosis-evidence.js';
import { diagnosesMarkdown, diagnosesTerminal, diagnosisDetailsMarkdown, groupDiagnoses, HEADLINE_MAX, shorten, stagesText } from '../../src/core/report/diagnoses.js';
import type { Diagnosis } from '../../src/core/types.js';
import { waveRun } from '../helpers/waves.js';

const d = (kind: Diagnosis['kind'], users: number | null, message: string, extra: Partial<Diagnosis> = {}): Diagnosis => ({ kind, users, message, evidence: {}, ...extra });

// A blocking handler at 10 and 20 users (one reading), a pool of 3 at 12 and 24.
const serialized = diagnose(waveRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 200 : 200 * k)));
const pool = diagnose(waveRun('1x1, 12x1, 24x1', (_n, k) => 200 * Math.ceil(k / 3)));

test('one bullet per kind and reading, naming its stages; the JSON keeps one entry per stage', () => {
  expect(serialized.map((x) => x.users)).toEqual([10, 20]);
  const md = diagnosesMarkdown([...serialized, ...pool]);
  const bullets = md.split('\n').filter((l) => l.startsWith('- '));
  expect(bullets).toHaveLength(2);
  expect(bullets[0]).toMatch(
    /^- \*\*serialized\*\* at 10 and 20 users: one request at a time up to the first chunk \\\(TTFC 5\.5–10\.5× that of 1 user, first chunks \\~200 ms apart\\\) — look for a blocking call/,
  );
  expect(bullets[1]).toMatch(/^- \*\*saturated\*\* at 12 and 24 users: about 3 requests served at once up to their first chunk/);
});

test('every first-screen bullet stays within about two lines', () => {
  const all = [...serialized, ...pool, ...diagnose(waveRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 500 : 600 + (k - 1) * 200)))];
  for (const line of diagnosesMarkdown(all)
    .split('\n')
    .filter((l) => l.startsWith('- ')))
    expect(line.length).toBeLessThanOrEqual(300);
  // A kind without a summary: its message, shortened at a clause.
  const long = d('memory_growth', null, `memory grew 40% over the run and kept growing after it; ${'x '.repeat(300)}`);
  const [g] = groupDiagnoses([long]);
  expect(g!.headline).toMatch(/^memory grew 40% over the run and kept growing after it; x x .* x …$/);
  expect(Array.from(g!.headline).length).toBeLessThanOrEqual(HEADLINE_MAX + 1);
});

test('kinds without a summary: one bullet for their stages, the stage prefix dropped, the figures in the details', () => {
  const regs = [
    d('regression', 1, 'at 1 user: regression against the baseline (commit abc) — TTFC avg 100 ms vs 10 ms'),
    d('regression', 6, 'at 6 users: regression against the baseline (commit abc) — TTFC avg 317 ms vs 10 ms'),
  ];
  const [g] = groupDiagnoses(regs);
  expect(g!.items).toHaveLength(2);
  expect(g!.headline).toBe("regression against the baseline (commit abc) (each stage's figures in the details)");
  expect(diagnosesMarkdown(regs)).toContain('- **regression** at 1 and 6 users: regression against the baseline \\(commit abc\\)');
  const details = diagnosisDetailsMarkdown(regs);
  expect(details).toContain('- 1 user: regression against the baseline \\(commit abc\\) — TTFC avg 100 ms vs 10 ms');
  expect(details).toContain('- 6 users: regression against the baseline \\(commit abc\\) — TTFC avg 317 ms vs 10 ms');
});

test('stages: named up to six, a range beyond; none for a run-wide diagnosis', () => {
  expect(stagesText([d('serialized', 20, ''), d('serialized', 10, '')])).toBe('at 10 and 20 users');
  expect(stagesText([d('serialized', 1, '')])).toBe('at 1 user');
  expect(stagesText([1, 2, 3, 4, 5, 6, 7, 400].map((u) => d('serialized', u, '')))).toBe('at 8 stages (1–400 users)');
  expect(stagesText([d('buffered', null, '')])).toBe('');
  expect(diagnosesMarkdown([d('buffered', null, 'buffered stream: …', { summary: 'held' })])).toBe('### Diagnoses\n\n- **buffered**: held');
});

test('shorten: whole when it fits, else cut at a clause end that keeps at least half, then at a word', () => {
  expect(shorten('short', 10)).toBe('short');
  expect(shorten('a longer first clause here; and then more words', 35)).toBe('a longer first clause here …');
  expect(shorten('first clause; second clause that is long', 30)).toBe('first clause; second clause …');
  expect(shorten('one two three four five six seven', 20)).toBe('one two three four …');
  expect(Array.from(shorten('y'.repeat(500))).length).toBeLessThanOrEqual(HEADLINE_MAX + 1);
});

test('the details: each stage in full, the evidence in words as a table with the stages as columns', () => {
  const md = diagnosisDetailsMarkdown(serialized);
  expect(md.startsWith('<details>\n<summary>Diagnosis details</summary>')).toBe(true);
  expect(md).toMatch(/^- 10 users: throughput is [\d.]+× that of 1 user and TTFC grew 5\.5×/m);
  expect(md).toContain('|   | 10 users | 20 users |');
  expect(md).toContain('| TTFC avg vs 1 user | 1.10\u00A0s vs 200\u00A0ms \\(5.5×\\) | 2.10\u00A0s vs 200\u00A0ms \\(10.5×\\) |');
  expect(md).toMatch(/^\| Read as \| 1 at a time, groups 200\u00A0ms apart: each request holds its place for its first chunk \\\(200\u00A0ms\\\) \|/m);
  // No internal key reaches the page.
  expect(md).not.toMatch(/referenceUsers|ttfcGrowth|firstWave|singleRequestMs|`/);
});

test('more than four stages of one reading: four stage columns a table', () => {
  const many = diagnose(waveRun('1x1, 10x1, 12x1, 14x1, 16x1, 20x1', (n, k) => (n === 1 ? 200 : 200 * k)));
  expect(many).toHaveLength(5);
  const tables = diagnosisDetailsMarkdown(many)
    .split('\n')
    .filter((l) => l.startsWith('|   |'));
  expect(tables).toEqual(['|   | 10 users | 12 users | 14 users | 16 users |', '|   | 20 users |']);
});

test('evidence rows: in words for the kinds the report knows, keys spelled out for the others', () => {
  for (const x of [...serialized, ...pool]) for (const [label] of evidenceRows(x)) expect(label).not.toMatch(/[a-z][A-Z]/);
  expect(humanKey('connectP50Ms')).toBe('Connect p50');
  expect(humanKey('successRateDrop')).toBe('Success rate drop');
  expect(evidenceRows(d('unresponsive', 10, '', { evidence: { probeP95Ms: 1234, failures: 2, ok: false, nested: { aB: 1 } } }))).toEqual([
    ['Probe p95', '1.23 s'],
    ['Failures', '2'],
    ['Ok', 'no'],
    ['Nested', 'a b 1'],
  ]);
  expect(evidenceRows(d('smoke', 1, ''))).toEqual([]);
});

test('the terminal: a headline per reading, then each stage and its evidence rows', () => {
  const lines = diagnosesTerminal(serialized);
  expect(lines[0]).toMatch(/^diagnosis serialized at 10 and 20 users: one request at a time up to the first chunk/);
  expect(lines[1]).toMatch(/^ {2}10 users: throughput is/);
  expect(lines[2]).toMatch(/^ {4}TTFC avg vs 1 user: 1\.10 s vs 200 ms \(5\.5×\)$/);
  expect(lines.filter((l) => /^ {2}\d+ users: /.test(l))).toHaveLength(2);
});

test('hostile text in a message or evidence stays inert on the first screen and in the details', () => {
  const evil = d('smoke', 1, 'smoke test failed (http_5xx: <img src=x onerror=alert(1)> @octocat #12 `code` | cell)', {
    evidence: { failures: { http_5xx: 3 }, sample: '<script>@team</script>' },
  });
  const md = `${diagnosesMarkdown([evil])}\n${diagnosisDetailsMarkdown([evil])}`;
  expect(md).not.toMatch(/<img|<script|@octocat|@team|#12/);
  for (const line of md.split('\n').filter((l) => l.startsWith('|'))) expect(line.split(/(?<!\\)\|/).length).toBe(4); // two cells
});
