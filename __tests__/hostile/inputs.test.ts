// Inputs that are wrong are rejected before the load, with the input named; inputs that are
// right but unusual (a value starting with "-", a file name with # or %) work.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { buildConfig } from '../../src/core/config/config.js';
import { CORE_INPUTS } from '../../src/core/config/inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'ttfc-hostile-inputs-'));
const URL_ = 'http://127.0.0.1:9/x';

const cli = (...argv: string[]): Promise<CliRun> => runCli(argv, { env: { NL: 'a\nb' }, cwd: dir });

const rejected: Array<[string, string[], RegExp]> = [
  ['timeout that would overflow a timer', ['--timeout', '99999999m'], /^ttfc-gate: timeout: "99999999m" is too long: at most 1h$/],
  ['timeout over 1 h', ['--timeout', '61m'], /^ttfc-gate: timeout: "61m" is too long: at most 1h$/],
  ['timeout 0s', ['--timeout', '0s'], /^ttfc-gate: timeout: "0s" must be greater than zero$/],
  ['cooldown over 10 m', ['--cooldown', '2h'], /^ttfc-gate: cooldown: "2h" is too long: at most 10m$/],
  ['wait-timeout over 1 h', ['--wait-for', '/health', '--wait-timeout', '3h'], /^ttfc-gate: wait-timeout: "3h" is too long: at most 1h$/],
  ['header value with CR', ['--headers', 'X-A: 1\rX-Injected: 2'], /^ttfc-gate: headers: line 1: the value of X-A holds a carriage return or NUL$/],
  ['header from env with LF', ['--headers', 'X-A: {{env.NL}}'], /^ttfc-gate: headers: \{\{env\.NL\}\}: environment variable NL holds a line break or NUL$/],
  ['token with LF', ['--token', 'abc\ndef'], /^ttfc-gate: token: holds a line break or NUL$/],
  ['Transfer-Encoding header', ['--headers', 'Transfer-Encoding: chunked'], /^ttfc-gate: headers: line 1: Transfer-Encoding is set by the HTTP client/],
  ['Content-Length header', ['--headers', 'content-length: 5'], /^ttfc-gate: headers: line 1: content-length is set by the HTTP client/],
  ['Connection header', ['--headers', 'X-Ok: 1\nConnection: close'], /^ttfc-gate: headers: line 2: Connection is set by the HTTP client/],
  ['Host header', ['--headers', 'Host: evil.example'], /^ttfc-gate: headers: line 1: Host is set by the HTTP client/],
  ['method CONNECT', ['--method', 'connect'], /^ttfc-gate: method: CONNECT opens a tunnel/],
  ['empty stages', ['--stages', ''], /^ttfc-gate: stages: is empty \(leave the flag out for the default\)$/],
  ['blank criteria', ['--criteria', '   '], /^ttfc-gate: criteria: is empty/],
  ['criteria with comments only', ['--criteria', '# none yet'], /^ttfc-gate: criteria: holds no criterion/],
  ['success_rate over 100%', ['--criteria', 'success_rate > 101%'], /^ttfc-gate: criteria: line 1, column \d+: 101% is over 100%/],
  ['body-file that is a device', ['--body-file', '/dev/zero'], /^ttfc-gate: body-file: "\/dev\/zero" is not a regular file$/],
  ['body-file over the cap', ['--body-file', 'big.json'], /^ttfc-gate: body-file: "big.json" is 11 MiB: at most 10 MiB$/],
  ['report-path under /proc', ['--report-path', '/proc/ttfc/report.json'], /^ttfc-gate: report-path: "\/proc\/ttfc\/report.json" is on the proc file system/],
  ['report-path under a file', ['--report-path', '/etc/hostname/x'], /^ttfc-gate: report-path: "\/etc\/hostname\/x" cannot be created: \/etc\/hostname is not a directory$/],
  ['report-path that is a directory', ['--report-path', '.'], /^ttfc-gate: report-path: "." exists and is not a regular file$/],
  ['max-event-size too small', ['--max-event-size', '10'], /^ttfc-gate: max-event-size: 10 is out of range: 1 KiB to 1 GiB$/],
];

beforeAll(() => {
  writeFileSync(join(dir, 'big.json'), Buffer.alloc(11 * 1024 * 1024, ' '));
});

describe('rejected before any request, naming the input (exit 2)', () => {
  test.each(rejected)('%s', async (_name, argv, message) => {
    const started = Date.now();
    const r = await cli('--url', URL_, ...argv);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(20_000); // /proc must not hang
  });
});

describe('accepted', () => {
  const cfg = (inputs: Record<string, string>) => buildConfig({ url: URL_, ...inputs }, { env: {}, cwd: dir });

  test('0s and 0ms are accepted wherever 0 is', () => {
    expect(cfg({ cooldown: '0' }).cooldownMs).toBe(0);
    expect(cfg({ cooldown: '0s' }).cooldownMs).toBe(0);
    expect(cfg({ cooldown: '0ms' }).cooldownMs).toBe(0);
  });

  test('documented units: a bare number is seconds, h is hours', () => {
    expect(cfg({ timeout: '90' }).timeoutMs).toBe(90_000);
    expect(cfg({ timeout: '1h' }).timeoutMs).toBe(3_600_000);
    expect(CORE_INPUTS.timeout).toMatch(/bare number is seconds/);
    expect(CORE_INPUTS.timeout).toMatch(/\bh\b/);
  });

  test('body-file is a literal path: b#1.json and b%41.json are those files', () => {
    writeFileSync(join(dir, 'b#1.json'), '{"file":"hash"}');
    writeFileSync(join(dir, 'b%41.json'), '{"file":"percent"}');
    writeFileSync(join(dir, 'bA.json'), '{"file":"decoded"}');
    expect(cfg({ 'body-file': 'b#1.json' }).body).toBe('{"file":"hash"}');
    expect(cfg({ 'body-file': 'b%41.json' }).body).toBe('{"file":"percent"}');
  });

  test('a report-path in a directory that does not exist yet is fine', () => {
    mkdirSync(join(dir, 'out'), { recursive: true });
    expect(cfg({ 'report-path': 'out/new/report.json' }).reportPath).toBe('out/new/report.json');
  });

  test('a CLI value may start with "-": a PEM key after --login-public-key', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAL\n-----END PUBLIC KEY-----';
    const known = new Set(Object.keys(CORE_INPUTS));
    expect(parseArgs(['--login-public-key', pem, '--url', URL_], known).inputs).toEqual({ 'login-public-key': pem, url: URL_ });
    expect(parseArgs(['--body', '-1'], known).inputs.body).toBe('-1');
    // A known flag in the value's place is still "needs a value".
    expect(() => parseArgs(['--token', '--url', URL_], known)).toThrow(/--token: needs a value/);
  });
});
