// The open model's inputs: rate stages, arrival settings, goodput lines, @RATE/s: scopes, and the
// usage the openai preset asks for. Every bad input is an error naming the input, before any load.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/core/config/config.js';
import { formatStages, parseStages, stageText } from '../../src/core/config/stages.js';
import { InputError } from '../../src/core/errors.js';
import { parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { parseGoodput } from '../../src/core/analysis/goodput.js';
import { askForUsage } from '../../src/core/load/presets/openai.js';
import { runCli } from '../helpers/cli.js';
import { targetsOf } from '../../src/core/config/targets.js';

const URL_ = 'http://127.0.0.1:1/chat';
const build = (inputs: Record<string, string>, cwd?: string) => buildConfig({ url: URL_, ...inputs }, { env: {}, ...(cwd ? { cwd } : {}) });

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('rate stages', () => {
  test('R/s:D beside USERSxREQUESTS, written back as given', () => {
    const stages = parseStages('1x1, 2/s:30s, 0.5/s:2m, 10x3, 1000 / s : 1500ms');
    expect(stages).toEqual([
      { users: 1, requestsPerUser: 1 },
      { kind: 'rate', rate: 2, durationMs: 30_000 },
      { kind: 'rate', rate: 0.5, durationMs: 120_000 },
      { users: 10, requestsPerUser: 3 },
      { kind: 'rate', rate: 1000, durationMs: 1500 },
    ]);
    expect(formatStages(stages)).toBe('1x1, 2/s:30s, 0.5/s:2m, 10x3, 1000/s:1500ms');
    // The merge re-reads the stages from a report's config: the text must parse to the same plan.
    expect(parseStages(formatStages(stages))).toEqual(stages);
    expect(stageText({ kind: 'rate', rate: 1 / 3, durationMs: 90_000 })).toBe('0.333/s:90s');
  });

  test.each([
    ['0/s:30s', /stage 1 "0\/s:30s": the rate must be more than 0/],
    ['-2/s:30s', /the rate must be more than 0/],
    ['2/s:0s', /stages \(stage 1 "2\/s:0s"\): "0s" must be greater than zero/],
    ['2/s:0', /must be greater than zero/],
    ['abc/s:10s', /the rate "abc" is not a number/],
    ['2/m:10s', /is not RATE\/s:DURATION/],
    ['2/s:10x', /is not a duration/],
    ['1000/s:20m', /1,200,000 arrivals, more than 1,000,000/],
    ['600/s:20m, 600/s:20m', /more than 1,000,000 arrivals in all rate stages/],
    ['2/s:2h', /too long: at most 1h/],
  ])('%s is an input error naming stages', (text, message) => {
    const e = inputError(() => build({ stages: text }));
    expect(e.input).toMatch(/^stages/);
    expect(e.message).toMatch(message);
  });

  test('arrival, arrival-seed, max-in-flight: defaults, bounds, and no silent setting without a rate stage', () => {
    expect(build({ stages: '2/s:1s' }).arrivals).toEqual({ process: 'poisson', seed: 1, maxInFlight: 1000 });
    expect(build({ stages: '2/s:1s', arrival: 'Uniform', 'arrival-seed': '42', 'max-in-flight': '5' }).arrivals).toEqual({ process: 'uniform', seed: 42, maxInFlight: 5 });
    expect(inputError(() => build({ stages: '2/s:1s', 'max-in-flight': '0' })).message).toBe('max-in-flight: 0 is out of range: 1 to 100000');
    expect(inputError(() => build({ stages: '2/s:1s', 'max-in-flight': '-1' })).input).toBe('max-in-flight');
    expect(inputError(() => build({ stages: '2/s:1s', arrival: 'bursty' })).message).toBe('arrival: "bursty" is not poisson or uniform');
    expect(inputError(() => build({ stages: '2/s:1s', 'arrival-seed': '4294967296' })).input).toBe('arrival-seed');
    for (const [name, v] of [
      ['arrival', 'uniform'],
      ['arrival-seed', '7'],
      ['max-in-flight', '10'],
    ]) {
      expect(inputError(() => build({ stages: '1x1', [name!]: v! })).message).toBe(`${name}: applies to rate stages (RATE/s:DURATION, e.g. 2/s:30s) and stages has none`);
    }
    // The defaults, as a runner passes them, are no setting.
    expect(() => build({ stages: '1x1', arrival: 'poisson', 'arrival-seed': '1', 'max-in-flight': '1000' })).not.toThrow();
  });
});

describe('goodput and @RATE/s:', () => {
  test('goodput lines are per-request SLOs in ms', () => {
    expect(parseGoodput('ttft < 1s\n# comment\n\ntpot <= 50ms  # trailing\nitl < 0.2s')).toEqual([
      { text: 'ttft < 1s', metric: 'ttft', op: '<', value: 1000 },
      { text: 'tpot <= 50ms', metric: 'tpot', op: '<=', value: 50 },
      { text: 'itl < 0.2s', metric: 'itl', op: '<', value: 200 },
    ]);
    expect(build({ goodput: 'ttfc < 500ms' }).goodput).toHaveLength(1);
    expect(build({}).goodput).toBeNull();
  });

  test.each([
    ['@2/s: ttft < 1s', /line 1: "@2\/s: ttft < 1s": a goodput line is about every request, it takes no stage selector/],
    ['@10: ttft < 1s', /takes no stage selector/],
    ['ttft.p95 < 1s', /unknown metric "ttft.p95" \(a goodput line names a per-request figure/],
    ['latency < 1s', /unknown metric "latency"; expected one of ttfc, ttft/],
    ['ttft 1s', /expected <, <=, > or >= after "ttft"/],
    ['ttft == 1s', /"==" is not an operator a goodput line takes/],
    ['ttft < 100', /"100" needs a unit/],
    ['ttft < fast', /"fast" is not a duration/],
    ['# only a comment', /holds no SLO line/],
  ])('goodput %s is an input error naming goodput', (text, message) => {
    const e = inputError(() => build({ goodput: text }));
    expect(e.input).toBe('goodput');
    expect(e.message).toMatch(message);
  });

  test('a criterion on goodput needs the goodput input', () => {
    const e = inputError(() => build({ criteria: 'success_rate > 95%\n@2/s: goodput_rate > 95%' }));
    expect(e.message).toBe('criteria: line 2: "@2/s: goodput_rate > 95%" needs the goodput input (its SLO lines, e.g. "ttft < 1s")');
    expect(() => build({ stages: '2/s:1s', criteria: '@2/s: goodput_rate > 95%\ngoodput > 1', goodput: 'ttft < 1s' })).not.toThrow();
  });

  test('@RATE/s: scopes a criterion to rate stages; a zero rate is an error with its column', () => {
    const [c] = parseCriteria('@0.5/s: ttfc.p95 < 2s');
    expect(c).toMatchObject({ users: null, rate: 0.5, metric: { name: 'ttfc.p95' } });
    expect(parseCriteria('@10: ttfc.avg < 1s')[0]).not.toHaveProperty('rate');
    expect(() => parseCriteria('@0/s: ttfc.p95 < 2s')).toThrow(/line 1, column 1: invalid scope "@0\/s"/);
    expect(() => parseCriteria('@2/m: ttfc.p95 < 2s')).toThrow(/@RATE\/s: for a rate stage/);
    expect(parseCriteria('tpot.p95 < 50ms\ntokens_per_sec > 20\ntokens_per_sec.p50 > 20\ndropped == 0\nlateness.p99 < 5ms\noutput_tokens.avg > 10')).toHaveLength(6);
  });
});

describe('the openai preset asks for usage', () => {
  const chat = '{"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi {{user}}"}]}';

  test('an OpenAI-shaped streaming body gets stream_options.include_usage, its own text kept byte for byte', () => {
    const out = askForUsage(`  ${chat}`)!;
    expect(out).toBe(`  {"stream_options":{"include_usage":true},${chat.slice(1)}`);
    expect(JSON.parse(out)).toMatchObject({ stream_options: { include_usage: true }, stream: true, model: 'm' });
    expect(askForUsage('{"stream": true, "prompt": "x"}')).toContain('include_usage');
  });

  test.each([
    ['a template with a placeholder outside a string', '{"stream": true, "max_tokens": {{iteration}}, "messages": []}'],
    ['stream_options set by the user', '{"stream": true, "stream_options": {"include_usage": false}, "messages": []}'],
    ['stream_options without include_usage', '{"stream": true, "stream_options": {}, "messages": []}'],
    ['not streaming', '{"stream": false, "messages": []}'],
    ['no stream key', '{"messages": []}'],
    ['not chat-shaped', '{"stream": true, "query": "x"}'],
    ['an array', '[{"stream": true, "messages": []}]'],
    ['not JSON', 'hello'],
  ])('left alone: %s', (_, body) => {
    expect(askForUsage(body)).toBeNull();
  });

  test('in the config: body and body-file with preset openai only, and said so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttfc-om-'));
    writeFileSync(join(dir, 'b.json'), chat);
    const a = build({ preset: 'openai', body: chat });
    expect(a.usageAsked).toBe(true);
    expect(JSON.parse(targetsOf(a).head.render({ stage: 1, user: 7, iteration: 1 }).body!)).toMatchObject({
      stream_options: { include_usage: true },
      messages: [{ content: 'hi 7' }],
    });
    expect(build({ preset: 'openai', 'body-file': 'b.json' }, dir).usageAsked).toBe(true);
    const g = build({ body: chat });
    expect(g.usageAsked).toBe(false);
    expect(g.body).toBe(chat);
  });
});

test('every bad open-model input stops the CLI with exit 2 before any request', async () => {
  let requests = 0;
  const server = createServer((_, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: x\n\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/chat`;
  const cwd = mkdtempSync(join(tmpdir(), 'ttfc-om-cli-'));
  try {
    const bad: Array<[string[], RegExp]> = [
      [['--stages', '0/s:10s'], /stages: stage 1 "0\/s:10s": the rate must be more than 0/],
      [['--stages', '-1/s:10s'], /the rate must be more than 0/],
      [['--stages', '2/s:0s'], /must be greater than zero/],
      [['--stages', '2000/s:10m'], /more than 1,000,000/],
      [['--stages', '2/s:5s', '--max-in-flight', '0'], /max-in-flight: 0 is out of range/],
      [['--stages', '2/s:5s', '--goodput', '@2/s: ttft < 1s'], /goodput: line 1: .* takes no stage selector/],
    ];
    for (const [args, message] of bad) {
      const r = await runCli(['--url', url, '--method', 'GET', ...args], { cwd, env: {} });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(requests).toBe(0);
  } finally {
    server.close();
  }
});
