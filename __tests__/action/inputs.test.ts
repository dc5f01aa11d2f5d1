// action.yml, the code and the README agree on the inputs and outputs; the adapter's own inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionSettings, ACTION_INPUTS, ALL_INPUTS, inputSecrets, readInputs, type RawInputs } from '../../src/action/inputs.js';
import { OUTPUT_NAMES } from '../../src/action/outputs.js';
import { buildConfig, CORE_INPUTS } from '../../src/core/config/config.js';
import { DEFAULT_CRITERIA } from '../../src/core/analysis/criteria/index.js';
import { InputError } from '../../src/core/errors.js';
import { DEFAULT_STAGES } from '../../src/core/config/stages.js';
import { parseActionYml, readActionYml, ROOT } from '../helpers/run-action.js';

const yml = readActionYml();

/** The names in the first column of the markdown table under `heading` in the README's action section. */
function readmeTable(heading: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- action:start -->');
  const end = readme.indexOf('<!-- action:end -->');
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const section = readme.slice(start, end);
  const at = section.indexOf(`\n### ${heading}\n`);
  expect(at).toBeGreaterThanOrEqual(0);
  const lines = section.slice(at).split('\n').slice(2);
  const table: string[] = [];
  let inTable = false;
  for (const line of lines) {
    if (line.startsWith('|')) inTable = true;
    else if (inTable) break;
    else if (line.trim() !== '') break;
    if (inTable) table.push(line);
  }
  return table.slice(2).map((row) => {
    const m = /^\|\s*`([^`]+)`\s*\|/.exec(row);
    if (!m) throw new Error(`README ${heading} row without a \`name\`: ${row}`);
    return m[1]!;
  });
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
  test('the inputs table lists exactly the inputs of action.yml, in order', () => {
    expect(readmeTable('Inputs')).toEqual([...yml.inputs.keys()]);
  });
  test('the outputs table lists exactly the outputs of action.yml, in order', () => {
    expect(readmeTable('Outputs')).toEqual([...yml.outputs.keys()]);
  });
  test('has the three workflow examples, the permissions and the fork note', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('<!-- action:start -->'), readme.indexOf('<!-- action:end -->'));
    expect(section).toContain('uses: ttfc-gate/ttfc-gate@v1');
    expect(section).toContain('on: deployment_status');
    expect(section).toContain('x-vercel-protection-bypass');
    expect(section).toContain('schedule:');
    expect(section).toContain('actions/upload-artifact@v7');
    expect(section).toContain('pull-requests: write');
    expect(section).toContain('contents: read');
    expect(section).toContain('workflow_run:');
    // Every `with:` key of a ttfc-gate step in the examples is an input.
    const lines = section.split('\n');
    const indent = (l: string): number => l.length - l.trimStart().length;
    const used: string[] = [];
    lines.forEach((line, i) => {
      if (line.trim() !== '- uses: ttfc-gate/ttfc-gate@v1' && line.trim() !== 'uses: ttfc-gate/ttfc-gate@v1') return;
      const w = lines.findIndex((l, j) => j > i && l.trim() === 'with:');
      expect(w).toBeGreaterThan(i);
      for (let j = w + 1; j < lines.length && (lines[j]!.trim() === '' || indent(lines[j]!) > indent(lines[w]!)); j++) {
        const m = new RegExp(`^\\s{${indent(lines[w]!) + 2}}([a-z-]+):`).exec(lines[j]!);
        if (m) used.push(m[1]!);
      }
    });
    expect(used.length).toBeGreaterThan(10);
    for (const k of used) expect({ k, declared: yml.inputs.has(k) }).toEqual({ k, declared: true });
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
