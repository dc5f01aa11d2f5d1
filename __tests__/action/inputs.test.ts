// action.yml, the code and the README agree on the inputs and outputs; the adapter's own inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionSettings, ACTION_INPUTS, ALL_INPUTS, inputSecrets, readInputs, type RawInputs } from '../../src/action/inputs.js';
import { OUTPUT_NAMES } from '../../src/action/outputs.js';
import { buildConfig } from '../../src/core/config/config.js';
import { CORE_INPUTS } from '../../src/core/config/inputs.js';
import { DEFAULT_CRITERIA } from '../../src/core/analysis/criteria/index.js';
import { InputError } from '../../src/core/errors.js';
import { DEFAULT_STAGES } from '../../src/core/config/stages.js';
import { parseActionYml, readActionYml, ROOT } from '../helpers/run-action.js';

const readActionYmlText = (): string => readFileSync(join(ROOT, 'action.yml'), 'utf8');

const yml = readActionYml();

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's `## title` section. */
function readmeSection(title: string): string {
  const at = README.indexOf(`\n## ${title}\n`);
  expect(at).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', at + 4);
  return README.slice(at, end < 0 ? undefined : end);
}

/** The tables of a section: per `### group` heading (or one unnamed), its header and first-column names. */
function readmeTables(section: string): Array<{ group: string; header: string; names: string[] }> {
  const out: Array<{ group: string; header: string; names: string[] }> = [];
  let group = '';
  let current: { group: string; header: string; names: string[] } | null = null;
  for (const line of section.split('\n')) {
    const h = /^### (.+?)(?: \(.*\))?$/.exec(line);
    if (h) group = h[1]!;
    if (!line.startsWith('|')) {
      current = null;
      continue;
    }
    if (!current) out.push((current = { group, header: line, names: [] }));
    else if (!/^\|[-:| ]+\|$/.test(line)) {
      const m = /^\|\s*`([^`]+)`\s*\|/.exec(line);
      if (!m) throw new Error(`README row without a \`name\`: ${line}`);
      current.names.push(m[1]!);
    }
  }
  return out;
}

describe('action.yml', () => {
  test('declares exactly the inputs the code reads', () => {
    const read: string[] = [];
    readInputs((name) => {
      read.push(name);
      return '';
    });
    expect([...yml.inputs.keys()].sort()).toEqual([...read].sort());
    expect([...yml.inputs.keys()].sort()).toEqual([...ALL_INPUTS].sort());
    expect(new Set(read).size).toBe(read.length);
    for (const name of ['baseline', 'regression-threshold', 'repeat', 'verdict', 'warmup']) expect(yml.inputs.has(name)).toBe(true);
  });

  test('declares exactly the outputs the code sets', () => {
    expect([...yml.outputs.keys()].sort()).toEqual([...OUTPUT_NAMES].sort());
  });

  test('every input and output has a description; none is required by the runner', () => {
    for (const [name, input] of yml.inputs) {
      expect({ name, ok: input.description.length > 10 }).toEqual({ name, ok: true });
      // url is needed by every run, but a merge (mode: merge) has none: the action checks it, not the runner.
      expect({ name, required: input.required }).toEqual({ name, required: false });
      if (name !== 'url') expect({ name, hasDefault: input.default !== undefined }).toEqual({ name, hasDefault: true });
    }
    for (const [name, output] of yml.outputs) expect({ name, ok: output.description.length > 10 }).toEqual({ name, ok: true });
  });

  test('defaults agree with the code', () => {
    const d = (name: string): string | undefined => yml.inputs.get(name)?.default;
    expect(d('stages')).toBe(DEFAULT_STAGES);
    expect(d('criteria')?.trim()).toBe(DEFAULT_CRITERIA.trim());
    expect(d('method')).toBe('POST');
    expect(d('preset')).toBe('generic');
    expect(d('format')).toBe('auto');
    expect(d('timeout')).toBe('60s');
    expect(d('cooldown')).toBe('500ms');
    expect(d('fail-on-criteria')).toBe('true');
    expect(d('report-path')).toBe('ttfc-report.json');
    expect(d('github-token')).toBe('${{ github.token }}');
    expect(d('comment')).toBe('always');
    expect(d('comment-mode')).toBe('update');
    expect(d('comment-tag')).toBe('default');
    expect(d('verdict')).toBe('strict');
    expect(d('repeat')).toBe('1');
    expect(d('warmup')).toBe('0');
    expect(d('baseline')).toBe('');
    expect(d('regression-threshold')).toBe('20%');

    // The defaults as the runner passes them build a valid config equal to the code's own defaults.
    const fromYml: Record<string, string> = {};
    for (const name of Object.keys(CORE_INPUTS)) fromYml[name] = yml.inputs.get(name)?.default ?? '';
    fromYml.url = 'https://preview.example.com/api/chat';
    const a = buildConfig(fromYml, { env: {} });
    const b = buildConfig({ url: fromYml.url }, { env: {} });
    const pick = (c: typeof a) => ({ verdict: c.verdict, repeat: c.repeat, warmup: c.warmup, baseline: c.baseline, threshold: c.regressionThreshold });
    expect(pick(a)).toEqual(pick(b));
    expect(pick(a)).toEqual({ verdict: 'strict', repeat: 1, warmup: 0, baseline: null, threshold: 0.2 });
    expect({
      stages: a.stages,
      criteria: a.criteria,
      timeout: a.timeoutMs,
      cooldown: a.cooldownMs,
      method: a.method,
      format: a.format,
      preset: a.preset.name,
      fail: a.failOnCriteria,
      report: a.reportPath,
    }).toEqual({
      stages: b.stages,
      criteria: b.criteria,
      timeout: b.timeoutMs,
      cooldown: b.cooldownMs,
      method: b.method,
      format: b.format,
      preset: b.preset.name,
      fail: b.failOnCriteria,
      report: b.reportPath,
    });
    const settings = actionSettings({
      core: {},
      action: {
        'github-token': 'x',
        comment: d('comment')!,
        'comment-mode': d('comment-mode')!,
        'comment-tag': d('comment-tag')!,
        'tracking-issue': d('tracking-issue')!,
        mode: d('mode')!,
        reports: d('reports')!,
      },
    });
    expect(settings).toEqual({ githubToken: 'x', comment: 'always', commentMode: 'update', commentTag: 'default', mode: 'run', reports: [] });
  });

  test('runs on node24 from dist/index.js, with branding', () => {
    expect(yml.runs.get('using')).toBe('node24');
    expect(yml.runs.get('main')).toBe('dist/index.js');
    expect(yml.branding.get('icon')).toBeTruthy();
    expect(yml.branding.get('color')).toBeTruthy();
    expect(yml.top.get('name')).toBe('ttfc-gate');
    expect(yml.top.get('description')).toBeTruthy();
  });

  test('the line parser rejects what YAML would read differently', () => {
    expect(() => parseActionYml('inputs:\n  x:\n    description: a "b: c" d\n')).toThrow(/needs quotes/);
    expect(() => parseActionYml('inputs:\n  x:\n    description: a #b\n')).toThrow(/needs quotes/);
    expect(parseActionYml("inputs:\n  x:\n    description: 'a: ''b'''\n    default: |\n      one\n      two\n").inputs.get('x')).toEqual({
      description: "a: 'b'",
      required: false,
      default: 'one\ntwo\n',
    });
  });
});

describe('README', () => {
  test('the inputs, one table per purpose, list exactly the inputs of action.yml, in order', () => {
    const tables = readmeTables(readmeSection('Inputs'));
    expect(tables.map((t) => t.group)).toEqual(['Target', 'Load', 'Criteria', 'Server side', 'A/B', 'Shards', 'Capacity', 'Nightly', 'Output']);
    for (const t of tables) expect({ group: t.group, header: t.header }).toEqual({ group: t.group, header: '| input | default | meaning |' });
    expect(tables.flatMap((t) => t.names)).toEqual([...yml.inputs.keys()]);
  });
  test('action.yml groups its inputs as the README does, one comment line a group', () => {
    const groups = [...readActionYmlText().matchAll(/^ {2}# ([a-zA-Z/ ]+):/gm)].map((m) => m[1]!.toLowerCase());
    expect(groups).toEqual(readmeTables(readmeSection('Inputs')).map((t) => t.group.toLowerCase()));
  });
  test('the outputs table lists exactly the outputs of action.yml, in order', () => {
    const [table, ...rest] = readmeTables(readmeSection('Outputs'));
    expect(rest).toEqual([]);
    expect(table!.header).toBe('| output | meaning |');
    expect(table!.names).toEqual([...yml.outputs.keys()]);
  });
});

describe('adapter inputs', () => {
  const raw = (action: Partial<RawInputs['action']>, core: RawInputs['core'] = {}): RawInputs => ({
    core,
    action: { 'github-token': '', comment: '', 'comment-mode': '', 'comment-tag': '', 'tracking-issue': '', mode: '', reports: '', ...action },
  });

  test('comment-tag: letters, digits, . _ - /; anything that could break the marker is an input error', () => {
    expect(actionSettings(raw({ 'comment-tag': 'api/v2_chat-1.0' })).commentTag).toBe('api/v2_chat-1.0');
    expect(actionSettings(raw({ 'comment-tag': '' })).commentTag).toBe('default');
    for (const bad of ['a -->', 'two words', '-x', 'x'.repeat(65), '<b>']) {
      let err: unknown;
      try {
        actionSettings(raw({ 'comment-tag': bad }));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).input).toBe('comment-tag');
    }
  });

  test('comment: always | on-failure | never (true / false kept as always / never); comment-mode: update | recreate; github-token may be empty', () => {
    expect(actionSettings(raw({})).comment).toBe('always');
    expect(actionSettings(raw({ comment: 'on-failure' })).comment).toBe('on-failure');
    expect(actionSettings(raw({ comment: 'Never' })).comment).toBe('never');
    expect(actionSettings(raw({ comment: 'false' })).comment).toBe('never');
    expect(actionSettings(raw({ comment: 'TRUE' })).comment).toBe('always');
    expect(actionSettings(raw({})).commentMode).toBe('update');
    expect(actionSettings(raw({ 'comment-mode': 'recreate' })).commentMode).toBe('recreate');
    expect(actionSettings(raw({})).githubToken).toBeUndefined();
    for (const [input, value] of [
      ['comment', 'sometimes'],
      ['comment-mode', 'replace'],
    ] as const) {
      let err: unknown;
      try {
        actionSettings(raw({ [input]: value }));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).input).toBe(input);
      expect((err as InputError).detail).toContain(`"${value}"`);
    }
  });

  test('the secrets to mask before anything is logged', () => {
    expect(inputSecrets(raw({ 'github-token': ' ghs_1 ' }, { token: 'tok-2', 'login-password': 'pw-3', url: 'https://x' }))).toEqual(['tok-2', 'pw-3', 'ghs_1']);
    expect(inputSecrets(raw({}, {}))).toEqual([]);
  });

  test('the body keeps its whitespace; other inputs are trimmed by the getter', () => {
    const opts: Record<string, boolean | undefined> = {};
    readInputs((name, o) => {
      opts[name] = o?.trimWhitespace;
      return '';
    });
    expect(opts.body).toBe(false);
    expect(opts.url).toBe(true);
    expect(Object.keys(ACTION_INPUTS).every((n) => n in opts)).toBe(true);
  });
});
