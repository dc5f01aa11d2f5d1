// preset: ragflow against a server that speaks RAGFlow's wire format exactly: the web API with its
// RSA login and a health check that is not ready at first, and the public API with an API key.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { ragflow } from '../../src/core/load/presets/ragflow.js';
import { EventKind } from '../../src/core/load/presets/types.js';
import type { Report } from '../../src/core/report-types.js';
import { startRagflowServer, type RagflowServer } from '../helpers/servers/ragflow.js';

const EMAIL = 'ci@example.com';
const PASSWORD = 'S3cr3t-P@ssw0rd!';
const API_KEY = 'ragflow-Q2YjRlZTk0ZTcwNTExZWY';
let keys: { publicKey: KeyObject; privateKey: KeyObject };
let pem: string;
let delta: RagflowServer;
let cumulative: RagflowServer;

beforeAll(async () => {
  keys = generateKeyPairSync('rsa', { modulusLength: 1024 });
  pem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const common = { privateKey: keys.privateKey, email: EMAIL, password: PASSWORD, apiKey: API_KEY, firstDelayMs: 50, answerDelayMs: 250, intervalMs: 10 };
  delta = await startRagflowServer({ ...common, mode: 'delta', unhealthyChecks: 2 });
  cumulative = await startRagflowServer({ ...common, mode: 'cumulative' });
  await publicApi(cumulative, { stages: '1x1' }); // warm-up: the first request of a process pays for lazy loading
});
afterAll(async () => {
  await delta.close();
  await cumulative.close();
});

const webBody = (question: string, conv = 'conv-{{user}}') => `{"conversation_id": "${conv}", "messages": [{"role": "user", "content": "${question}", "id": "{{uuid}}"}]}`;

function web(server: RagflowServer, question: string, inputs: Inputs = {}, log?: (l: string) => void): Promise<Report> {
  const cfg = buildConfig(
    {
      'base-url': server.url,
      url: '/v1/conversation/completion',
      preset: 'ragflow',
      'login-email': EMAIL,
      'login-password': PASSWORD,
      'login-public-key': pem,
      body: webBody(question),
      stages: '1x1, 2x2',
      cooldown: '10ms',
      criteria: 'errors == 0',
      ...inputs,
    },
    { env: {} },
  );
  return runGate(cfg, { noWrite: inputs['report-path'] === undefined, log, readiness: { initialDelayMs: 20, maxDelayMs: 50 } });
}

function publicApi(server: RagflowServer, inputs: Inputs = {}): Promise<Report> {
  const cfg = buildConfig(
    {
      url: `${server.url}/api/v1/chats/f3c0b1de/completions`,
      preset: 'ragflow',
      token: API_KEY,
      body: '{"question": "What is RAGFlow?", "stream": true, "session_id": "sess-{{user}}"}',
      stages: '1x1, 2x2',
      cooldown: '10ms',
      criteria: 'errors == 0',
      ...inputs,
    },
    { env: {} },
  );
  return runGate(cfg, { noWrite: true });
}

function expectSplit(r: Report): void {
  for (const q of r.requests) {
    expect(q.ok).toBe(true);
    // the first event (empty answer) is ttfc; the first non-empty answer is ttft
    expect(q.ttfc!).toBeGreaterThanOrEqual(45);
    expect(q.ttfc!).toBeLessThan(50 + 150);
    expect(q.ttft!).toBeGreaterThanOrEqual(245);
    expect(q.ttft!).toBeLessThan(250 + 200);
    expect(q.events).toBe(1 + 6 + 1 + 1); // empty answer, 6 answers, reference, data: true
  }
}

test('web API: health wait, RSA login, then the load with Authorization: <token> (no Bearer)', async () => {
  const lines: string[] = [];
  const r = await web(delta, 'What is RAGFlow?', { 'wait-for': '/v1/system/healthz' }, (l) => lines.push(l));
  expect(r.requests).toHaveLength(5);
  expectSplit(r);
  expect(r.passed).toBe(true);

  // 2 unhealthy checks, then ready; one login; 5 completions
  expect(delta.requests.map((q) => q.path)).toEqual([
    '/v1/system/healthz',
    '/v1/system/healthz',
    '/v1/system/healthz',
    '/v1/user/login',
    ...Array(5).fill('/v1/conversation/completion'),
  ]);
  const token = delta.tokens[0]!;
  expect(delta.tokens).toHaveLength(1);
  const completions = delta.requests.filter((q) => q.path === '/v1/conversation/completion');
  for (const q of completions) expect(q.headers.authorization).toBe(token);

  // one conversation per user ({{user}}), a fresh message id per request ({{uuid}})
  const sent = completions.map((q) => JSON.parse(q.body) as { conversation_id: string; messages: Array<{ id: string }> });
  expect(sent.map((b) => b.conversation_id).sort()).toEqual(['conv-1', 'conv-1', 'conv-1', 'conv-2', 'conv-2']);
  expect(new Set(sent.map((b) => b.messages[0]!.id)).size).toBe(5);

  // a log line per health attempt, the login, and neither the password nor the token anywhere
  expect(lines.filter((l) => /^wait-for: attempt \d+: HTTP 503/.test(l))).toHaveLength(2);
  expect(lines.some((l) => /^wait-for: attempt 3: HTTP 200, ready after/.test(l))).toBe(true);
  expect(lines.some((l) => l.startsWith('login: HTTP 200, token taken from header:Authorization'))).toBe(true);
  const everything = JSON.stringify(r) + lines.join('\n');
  expect(everything).not.toContain(token);
  expect(everything).not.toContain(PASSWORD);
  expect(everything).not.toContain(Buffer.from(PASSWORD).toString('base64'));
});

test('cumulative answers (older servers) give the same ttfc / ttft split', async () => {
  expectSplit(await web(cumulative, 'What is RAGFlow?'));
});

test('public API with an API key: Bearer scheme, same split', async () => {
  const before = cumulative.requests.length;
  const r = await publicApi(cumulative);
  expectSplit(r);
  for (const q of cumulative.requests.slice(before)) expect(q.headers.authorization).toBe(`Bearer ${API_KEY}`);
});

const failures: Array<[string, string, Inputs, string]> = [
  ['code 500 with an **ERROR** answer', 'explode', {}, "code 500: LLM(qwen-plus) isn't authorized"],
  ['an **ERROR** answer under code 0', 'error-answer', {}, 'Tenant not found!'],
  ['a code-102 JSON answer instead of a stream', 'What is RAGFlow?', { body: webBody('hi', 'no-such-conversation') }, 'code 102: Conversation not found!'],
];

test.each(failures)('%s is a stream_error that shows the message', async (_name, question, inputs, message) => {
  const r = await web(cumulative, question, inputs);
  expect(r.requests).toHaveLength(1); // the smoke stage failed: nothing more was sent
  const q = r.requests[0]!;
  expect(q.status).toBe(200);
  expect(q.ok).toBe(false);
  expect(q.category).toBe('stream_error');
  expect(q.error).toBe(message);
  expect(r.errorSamples).toEqual([{ stage: 1, category: 'stream_error', status: 200, message }]);
  expect(r.diagnoses[0]!.message).toContain(message);
});

test('a wrong API key (code 109 at HTTP 200) is a failure with the message, not a success', async () => {
  const r = await publicApi(cumulative, { token: 'ragflow-wrong', stages: '1x1' });
  expect(r.requests[0]!.category).toBe('stream_error');
  expect(r.requests[0]!.error).toBe('code 109: Authentication error: API key is invalid!');
});

test('the web API without a login: the code-401 answer is reported', async () => {
  const cfg = buildConfig({ url: `${cumulative.url}/v1/conversation/completion`, preset: 'ragflow', body: webBody('hi'), stages: '1x1', criteria: 'errors == 0' }, { env: {} });
  const r = await runGate(cfg, { noWrite: true });
  expect(r.requests[0]!.error).toBe("code 401: <Unauthorized '401: Unauthorized'>");
});

test('the password and the login token appear in no report file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-ragflow-'));
  try {
    const path = join(dir, 'report.json');
    const r = await web(cumulative, 'explode', {
      'report-path': path,
      body: `{"conversation_id": "conv-{{user}}", "messages": [{"role": "user", "content": "explode", "id": "{{uuid}}"}], "note": "{{token}}"}`,
    });
    expect(r.passed).toBe(false);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"preset": "ragflow"');
    expect(text).not.toContain(cumulative.tokens.at(-1)!);
    expect(text).not.toContain(PASSWORD);
    // {{token}} was filled with the login token in the body that was sent
    expect(JSON.parse(cumulative.requests.at(-1)!.body).note).toBe(cumulative.tokens.at(-1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the ragflow session on its own', () => {
  const feed = (events: string[], ct = 'text/event-stream; charset=utf-8') => {
    const s = ragflow.start();
    const kinds = events.map((e) => s.event(e, undefined));
    return { s, kinds, verdict: s.finish(ct) };
  };
  const ev = (answer: string) => JSON.stringify({ code: 0, message: '', data: { answer, reference: {} } });

  test('a stream without the final {"data": true} is incomplete', () => {
    const { kinds, verdict } = feed([ev(''), ev('a'), ev('b')]);
    expect(kinds).toEqual([EventKind.Chunk, EventKind.Content, EventKind.Content]);
    expect(verdict).toEqual({ category: 'protocol', message: 'incomplete stream: it ended without the final {"code": 0, "data": true} event' });
  });

  test('after the first answer, an error is still caught (compact JSON too)', () => {
    const { s, kinds } = feed([ev('a'), '{"code":500,"message":"boom","data":{"answer":"**ERROR**: boom"}}']);
    expect(kinds[1]).toBe(EventKind.Error);
    expect(s.error).toBe('code 500: boom');
  });

  test('a stream:false answer (one JSON document) fails as not a stream', () => {
    const { verdict } = feed([JSON.stringify({ code: 0, data: { answer: 'full answer' } })], 'application/json');
    expect(verdict?.category).toBe('protocol');
    expect(verdict?.message).toMatch(/not a stream/);
  });
});
