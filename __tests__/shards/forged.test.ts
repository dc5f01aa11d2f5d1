// Forged shard reports (in a fork's pull request they come from artifacts its author controls): each
// is rejected before anything is merged or written, naming the file and the field, or — when every
// field is well-formed — judged by the merge step's own settings, its text escaped like server text.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { validShardReport, writeJson } from '../helpers/shard-report.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import type { Report } from '../../src/core/report-types.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-forged-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Shard = ReturnType<typeof validShardReport>;
const good2 = (): string => writeJson(dir, 'good-2.json', validShardReport({ index: 2, count: 2 }));

/** Merges a forged shard 1/2 with a good 2/2; returns the CLI's answer and whether a report was written. */
async function mergeForged(forge: (r: Shard) => unknown, extra: string[] = []): Promise<CliRun & { wrote: boolean; file: string }> {
  const file = `forged-${++n}.json`;
  const r = validShardReport({ index: 1, count: 2 });
  const forged = forge(r);
  writeJson(dir, file, forged === undefined ? r : forged);
  const out = `out-${n}.json`;
  const res = await runCli(['merge', file, good2(), '--report-path', out, '--markdown-path', `out-${n}.md`, ...extra], { cwd: dir, env: {} });
  return { ...res, wrote: existsSync(join(dir, out)) || existsSync(join(dir, `out-${n}.md`)), file };
}

const requests = (r: Shard) => r.requests;
const set = (path: string, value: unknown) => (r: Shard) => {
  const keys = path.split('.');
  let o: Record<string, unknown> = r;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys.at(-1)!] = value;
};

/** A closed stage's concurrency as shard 1/2 of 4 users reports it, with some fields forged. */
const conc = (o: Record<string, unknown>): Record<string, unknown> => ({ peak: 2, mean: 1.5, startSpreadMs: 4, startBusyMs: 6, ...o });

async function expectRejected(forge: (r: Shard) => unknown, field: string, detail: RegExp): Promise<void> {
  const res = await mergeForged(forge);
  expect({ code: res.code, wrote: res.wrote }).toEqual({ code: 2, wrote: false });
  expect(res.out).toBe('');
  const prefix = `ttfc-gate: merge: ${res.file}: ${field}: `;
  expect({ err: res.err, namesFileAndField: res.err.startsWith(prefix) }).toMatchObject({ namesFileAndField: true });
  expect(res.err.slice(prefix.length)).toMatch(detail);
  expect(res.err.split('\n')).toHaveLength(1);
}

describe('rejected naming the file and the field, nothing written', () => {
  test.each([
    ['negative TTFC', (r: Shard) => void (requests(r)[0]!.ttfc = -5), 'requests[0].ttfc', /^-5 is negative$/],
    ['string TTFC', (r: Shard) => void (requests(r)[0]!.ttfc = '50'), 'requests[0].ttfc', /^"50" is not a number$/],
    ['null TTFC on a success', (r: Shard) => void (requests(r)[0]!.ttfc = null), 'requests[0].ttfc', /^null on a successful request$/],
    ['a null record', (r: Shard) => void (r.requests[1] = null as never), 'requests[1]', /^null is not an object$/],
    ['shard.count 1e9', set('shard.count', 1e9), 'shard.count', /^1000000000 is out of range \(1 to 256\)$/],
    ['ok: "false"', (r: Shard) => void (requests(r)[0]!.ok = 'false'), 'requests[0].ok', /^"false" is not true or false$/],
    ['a host of 300 characters', set('shard.host', 'h'.repeat(300)), 'shard.host', /^a string of 300 characters: at most 255$/],
    ['an error message of 1 MB', (r: Shard) => void (requests(r)[0]!.error = 'e'.repeat(1 << 20)), 'requests[0].error', /^a string of 1048576 characters: at most 8192$/],
    ['users as HTML', set('shard.stages.0.users', '<a href="https://evil.example">x</a>'), 'shard.stages[0].users', /^"<a href=.*" is not a whole number$/],
    ['a stage the plan does not have', set('shard.stages.1.index', 7), 'shard.stages[1].index', /^7: the plan has 2 stages$/],
    ['more users than shard 1/2 gets', set('shard.stages.1.users', 3), 'shard.stages[1].users', /^3: shard 1\/2 of 4 users runs 2$/],
    ['a request count that does not match', set('shard.stages.1.requests', 5), 'shard.stages[1].requests', /^5, but the report has 4 records of stage 2$/],
    ["a record of another shard's user", (r: Shard) => void (requests(r)[2]!.user = 4), 'requests[2].user', /^4: not one of this shard's users in stage 2$/],
    ['a record beyond the requests per user', (r: Shard) => void (requests(r)[2]!.iteration = 3), 'requests[2].iteration', /^3: stage 2 has 2 requests per user$/],
    ["a plan id that is not its plan's", set('config.stages', '1x1, 4x2, 8x1'), 'shard.planId', /the report was edited$/],
    ['a plan id that is not hex', set('shard.planId', '<script>'), 'shard.planId', /is not a plan id/],
    ['a failure without a category', (r: Shard) => void Object.assign(requests(r)[0]!, { ok: false, category: null }), 'requests[0].category', /^null on a failed request$/],
    ['more gaps than events', (r: Shard) => void (requests(r)[0]!.gaps = [1, 2, 3, 4]), 'requests[0].gaps', /^4 gaps between 3 events$/],
    ['a missing shard section field', (r: Shard) => void delete r.shard.stages, 'shard.stages', /^is missing$/],
    [
      "more on the wire than the shard's users",
      set('stages', [{ index: 2, concurrency: conc({ peak: 3 }) }]),
      'stages[0].concurrency.peak',
      /^3: more requests on the wire at once than the shard's 2 users$/,
    ],
    ['a mean in flight above the peak', set('stages', [{ index: 2, concurrency: conc({ mean: 5 }) }]), 'stages[0].concurrency.mean', /^5: more than the peak \(2\)$/],
    [
      'the concurrency of a stage it did not run',
      set('stages', [{ index: 3, concurrency: conc({}) }]),
      'stages[0].concurrency',
      /^stage 3 was not run by this shard \(shard\.stages\)$/,
    ],
    [
      'a stage with its concurrency twice',
      set('stages', [
        { index: 2, concurrency: conc({}) },
        { index: 2, concurrency: conc({}) },
      ]),
      'stages[1].concurrency',
      /^stage 2 has its concurrency twice$/,
    ],
    ['a start time as a string', set('stages', [{ index: 2, concurrency: conc({ startBusyMs: '650' }) }]), 'stages[0].concurrency.startBusyMs', /^"650" is not a number$/],
    ['a negative start spread', set('stages', [{ index: 2, concurrency: conc({ startSpreadMs: -1 }) }]), 'stages[0].concurrency.startSpreadMs', /^-1 is negative$/],
  ])('%s', async (_name, forge, field, detail) => {
    await expectRejected(forge as (r: Shard) => unknown, field, detail);
  });

  test('a record counted twice', async () => {
    await expectRejected(
      (r) => {
        r.requests[1] = { ...r.requests[0]! };
      },
      'requests[1]',
      /^request 1\/1\/1 \(stage\/user\/iteration\) is recorded twice$/,
    );
  });

  // One wrongly typed value in every kind of field the merge reads.
  const wrongTypes: Array<[string, unknown]> = [
    ['tool.version', 5],
    ['target.method', 'get it'],
    ['target.url', 'javascript:alert(1)'],
    ['target.preset', 'evil'],
    ['target.commit', '<img>'],
    ['config.stages', 5],
    ['config.timeoutMs', '5000'],
    ['config.cooldownMs', -1],
    ['config.headers', 'X-A: 1'],
    ['config.body', 5],
    ['config.warmup', 1.5],
    ['config.format', 'xml'],
    ['config.startAt', 'tomorrow'],
    ['config.stageWindowMs', 'long'],
    ['startedAt', 5],
    ['finishedAt', '2026-13-45T99:00:00Z'],
    ['cancelled', 'no'],
    ['errorSamples', {}],
    ['requests', {}],
    ['shard', 'one'],
    ['shard.index', 0],
    ['shard.host', 5],
    ['shard.startAt', 5],
    ['shard.lateMs', -1],
    ['shard.stages', null],
  ];
  test.each(wrongTypes)('%s = %j', async (path, value) => {
    await expectRejected(set(path, value), path, /./);
  });

  const recordTypes: Array<[string, unknown]> = [
    ['stage', '1'],
    ['user', 0],
    ['iteration', 1.5],
    ['startedAt', 'now'],
    ['status', 99],
    ['category', 'pwned'],
    ['error', 5],
    ['connect', '1'],
    ['ttfb', true],
    ['ttft', []],
    ['total', {}],
    ['stall', 'long'],
    ['events', -1],
    ['bytes', 1.5],
    ['tokens', 'many'],
    ['ttfr', -1],
    ['encoding', '<b>gzip</b>'],
    ['retried', 'yes'],
    ['gaps', 'none'],
  ];
  test.each(recordTypes)('requests[0].%s = %j', async (key, value) => {
    await expectRejected((r) => void (requests(r)[0]![key] = value), `requests[0].${key}`, /./);
  });

  test.each([
    ['shard.stages[0].firstUser', (r: Shard) => void ((r.shard.stages as Array<Record<string, unknown>>)[0]!.firstUser = null)],
    ['errorSamples[0].category', (r: Shard) => void (r.errorSamples = [{ stage: 1, category: 'x', status: null, message: '' }])],
    ['errorSamples[0].message', (r: Shard) => void (r.errorSamples = [{ stage: 1, category: 'timeout', status: null, message: 5 }])],
    ['requests[0].gaps[1]', (r: Shard) => void (requests(r)[0]!.gaps = [1, null])],
  ])('%s of the wrong type', async (field, forge) => {
    await expectRejected(forge, field, /./);
  });
});

describe('nesting, size and file kind: refused without hanging or overflowing', () => {
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;

  test('200,000-deep nesting in a field the merge reads, and in one it does not', async () => {
    const r = JSON.stringify(validShardReport({ index: 1, count: 2 }));
    for (const [name, text, field] of [
      ['deep-known.json', r.replace('"headers":[]', `"headers":${deep(200_000)}`), 'config.headers[0][0]'],
      ['deep-unknown.json', r.replace('"environment":', `"extra":${deep(200_000)},"environment":`), 'extra[0][0]'],
    ] as const) {
      writeJson(dir, name, text);
      const res = await runCli(['merge', name, good2(), '--report-path', `${name}.out`], { cwd: dir, env: {} });
      expect(res.code).toBe(2);
      expect(res.err).toMatch(new RegExp(`^ttfc-gate: merge: ${name}: ${field.replace(/[[\]]/g, '\\$&')}.*: nested deeper than 16 levels$`));
      expect(existsSync(join(dir, `${name}.out`))).toBe(false);
    }
  });

  test('a 500 MB host string: refused by its size, never read', async () => {
    const path = join(dir, 'huge.json');
    const head = JSON.stringify(validShardReport({ index: 1, count: 2 })).replace(/"host":"[^"]*"/, '"host":"');
    const fd = openSync(path, 'w');
    writeSync(fd, head.slice(0, head.indexOf('"host":"') + 8));
    ftruncateSync(fd, 500 * 1024 * 1024); // sparse: the test does not write 500 MB
    closeSync(fd);
    const rss = process.memoryUsage().rss;
    const res = await runCli(['merge', 'huge.json', good2()], { cwd: dir, env: {} });
    expect(res).toMatchObject({ code: 2, err: 'ttfc-gate: merge: huge.json: is 500 MiB: a shard report is at most 64 MiB' });
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
    rmSync(path);
  });

  test('a symlink (to /dev/zero), a FIFO, a directory, a device', async () => {
    symlinkSync('/dev/zero', join(dir, 'zero.json'));
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);
    mkdirSync(join(dir, 'dir.json'));
    for (const [file, why] of [
      ['zero.json', 'is a symbolic link: give the report file itself'],
      ['fifo.json', 'is a FIFO, not a report file'],
      ['dir.json', 'is a directory, not a report file'],
      ['/dev/zero', 'is a device, not a report file'],
    ]) {
      const res = await runCli(['merge', file!, good2()], { cwd: dir, env: {} });
      expect(res).toMatchObject({ code: 2, err: `ttfc-gate: merge: ${file}: ${why}` });
    }
  });

  test('not JSON: the content is never quoted (the file may be any file)', async () => {
    writeJson(dir, 'passwd.json', 'root:x:0:0:root:/root:/bin/bash\n');
    const res = await runCli(['merge', 'passwd.json', good2()], { cwd: dir, env: {} });
    expect(res).toMatchObject({ code: 2, err: 'ttfc-gate: merge: passwd.json: is not JSON' });
    const bin = join(dir, 'bin.json');
    writeJson(dir, 'bin.json', '');
    execFileSync('sh', ['-c', `printf '\\377\\376{}' > '${bin}'`]);
    expect((await runCli(['merge', 'bin.json', good2()], { cwd: dir, env: {} })).err).toBe('ttfc-gate: merge: bin.json: is not UTF-8 text');
  });
});

describe("well-formed but lenient shards: the merge step's settings judge", () => {
  const lenient = { criteria: 'success_rate > 0%', failOnCriteria: false, verdict: 'confident' };
  const failing = (stage: number) => (stage === 2 ? 'HTTP 503: overloaded' : null);

  test('merge --fail-on-criteria true exits 1 on a failing run, whatever the shards were given', async () => {
    writeJson(dir, 'l1.json', validShardReport({ index: 1, count: 2, fail: failing, config: lenient }));
    writeJson(dir, 'l2.json', validShardReport({ index: 2, count: 2, fail: failing, config: lenient }));
    const strict = await runCli(['merge', 'l1.json', 'l2.json', '--fail-on-criteria', 'true', '--criteria', 'errors == 0', '--report-path', 'l.json'], { cwd: dir, env: {} });
    expect(strict.code).toBe(1);
    const r = JSON.parse(readFileSync(join(dir, 'l.json'), 'utf8')) as Report;
    expect(r.passed).toBe(false);
    expect(r.config).toMatchObject({ criteria: 'errors == 0', failOnCriteria: true, verdict: 'strict' });
    // Given nothing, the merge judges by the defaults (success_rate > 95% fails), not by the shards' lenient ones.
    const byDefault = await runCli(['merge', 'l1.json', 'l2.json', '--report-path', 'd.json'], { cwd: dir, env: {} });
    expect(byDefault.code).toBe(1);
    const d = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8')) as Report;
    expect(d.criteria.find((c) => c.text === 'success_rate > 95%' && c.status === 'fail')).toBeDefined();
    // Only the merge's own fail-on-criteria false lets it pass.
    expect((await runCli(['merge', 'l1.json', 'l2.json', '--fail-on-criteria', 'false', '--report-path', 'f.json'], { cwd: dir, env: {} })).code).toBe(0);
  });

  test('markup, mentions, links and a second marker in shard text are shown escaped', async () => {
    const evil = '<a href="https://evil.example/login">x</a> <img src=x onerror=alert(1)> <h1>big</h1> @octocat www.evil.example <!-- ttfc-gate:default -->';
    writeJson(dir, 'e1.json', validShardReport({ index: 1, count: 2, host: evil, fail: () => evil }));
    writeJson(dir, 'e2.json', validShardReport({ index: 2, count: 2, host: evil }));
    const res = await runCli(['merge', 'e1.json', 'e2.json', '--report-path', 'e.json', '--markdown-path', 'e.md'], { cwd: dir, env: {} });
    expect(res.code).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8')) as Report;
    for (const md of [readFileSync(join(dir, 'e.md'), 'utf8'), renderMarkdown(report, { tag: 'default' })]) {
      expect(md).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
      expect(md).not.toMatch(/<(a|img|h1)\b/);
      expect(md).not.toMatch(/@octocat|https:\/\/evil|www\.evil/);
      expect(md.split('<!-- ttfc-gate:default -->').length).toBeLessThanOrEqual(2);
    }
    expect(renderMarkdown(report, { tag: 'default' }).startsWith('<!-- ttfc-gate:default -->\n')).toBe(true);
  });
});
