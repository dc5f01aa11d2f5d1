// The login step: one request before the load; its token is sent like `token`, fills {{token}},
// and is redacted everywhere. A failed login stops the run with the server's message.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { InputError } from '../../src/core/errors.js';
import { runGate } from '../../src/core/gate.js';
import { LoginError, parseTokenFrom } from '../../src/core/config/login.js';
import type { Report } from '../../src/core/report-types.js';
import { json, listen, writeTimed, type TestServer } from '../helpers/servers/http.js';
import { startRagflowServer, type RagflowServer } from '../helpers/servers/ragflow.js';

const PW = 'hunter2-but-longer';
const TOKEN = 'tok-5b7c1e0a9d3f4a2b8c6d';
let app: TestServer;
let rag: RagflowServer;
let pem: string;
let otherPem: string;

beforeAll(async () => {
  app = await listen(async (req, res) => {
    const path = req.path.split('?')[0];
    if (path === '/auth/login' || path === '/auth/header-login') {
      const b = JSON.parse(req.body) as { username?: string; password?: string };
      if (b.username !== 'ci' || b.password !== PW) return json(res, 401, { detail: 'Invalid credentials' });
      if (path === '/auth/header-login') return json(res, 200, { ok: true }, { 'X-Auth-Token': `Bearer ${TOKEN}` });
      return json(res, 200, { data: { access_token: TOKEN, expires_in: 3600 } });
    }
    if (path === '/auth/lf-token') return json(res, 200, { data: { access_token: `${TOKEN}\r\nX-Injected: 1` } });
    if (path === '/auth/no-token') return json(res, 200, { ok: true, message: 'Welcome back', session: TOKEN });
    if (path === '/chat') {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { detail: 'not authenticated' });
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      await writeTimed(res, [
        [5, 'data: a\n\n'],
        [5, 'data: b\n\n'],
      ]);
      return void res.end();
    }
    return json(res, 404, { detail: 'Not Found' });
  });
  const keys = generateKeyPairSync('rsa', { modulusLength: 1024 });
  pem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  otherPem = (generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey as KeyObject).export({ type: 'pkcs1', format: 'pem' }).toString();
  rag = await startRagflowServer({ privateKey: keys.privateKey, email: 'ci@example.com', password: PW, apiKey: 'unused', firstDelayMs: 5, answerDelayMs: 10, intervalMs: 1 });
});
afterAll(async () => {
  await app.close();
  await rag.close();
});

const env = { LOGIN_PW: PW };
const base = (over: Inputs): Inputs => ({ url: `${app.url}/chat`, stages: '1x1, 2x1', cooldown: '10ms', criteria: 'errors == 0', ...over });

async function gate(inputs: Inputs, lines: string[] = [], secrets: string[] = []): Promise<Report> {
  const cfg = buildConfig(inputs, { env });
  return runGate(cfg, { noWrite: true, log: (l) => lines.push(l), onSecret: (s) => secrets.push(s) });
}

async function failure(server: TestServer, inputs: Inputs): Promise<LoginError> {
  const before = server.requests.length;
  try {
    await gate(inputs);
  } catch (err) {
    expect(err).toBeInstanceOf(LoginError);
    expect(err).toBeInstanceOf(InputError); // the adapters report it as a bad input, one line
    // the login was the only request: no load was sent
    expect(server.requests.length - before).toBe(1);
    return err as LoginError;
  }
  throw new Error('expected the login to fail');
}

test('json:PATH login: body from the environment, token sent as Bearer and in {{token}}, redacted everywhere', async () => {
  const lines: string[] = [];
  const secrets: string[] = [];
  const before = app.requests.length;
  const r = await gate(
    base({
      'login-url': '/auth/login',
      'login-body': '{"username": "ci", "password": "{{env.LOGIN_PW}}"}',
      'login-token-from': 'json:data.access_token',
      headers: 'X-Session: {{token}}\nX-Vercel-Protection-Bypass: bypass-123',
    }),
    lines,
    secrets,
  );
  expect(r.passed).toBe(true);
  const sent = app.requests.slice(before);
  expect(sent.map((q) => q.path)).toEqual(['/auth/login', '/chat', '/chat', '/chat']);
  // the login got the same-origin headers of the load, but no token and no Authorization
  expect(sent[0]!.headers['x-vercel-protection-bypass']).toBe('bypass-123');
  expect(sent[0]!.headers.authorization).toBeUndefined();
  expect(sent[0]!.headers['x-session']).toBeUndefined();
  expect(sent[0]!.headers['content-type']).toBe('application/json');
  expect(JSON.parse(sent[0]!.body)).toEqual({ username: 'ci', password: PW });
  for (const q of sent.slice(1)) expect(q.headers['x-session']).toBe(TOKEN);
  expect(secrets).toEqual([TOKEN]);
  expect(lines).toEqual([`login: POST ${app.url}/auth/login`, 'login: HTTP 200, token taken from json:data.access_token (masked in every output)']);
  const out = JSON.stringify(r) + lines.join('\n');
  expect(out).not.toContain(TOKEN);
  expect(out).not.toContain(PW);
});

test('header:NAME login: a "Bearer " prefix of the header value is dropped', async () => {
  const r = await gate(base({ 'login-url': `${app.url}/auth/header-login`, 'login-body': `{"username": "ci", "password": "${PW}"}`, 'login-token-from': 'header:X-Auth-Token' }));
  expect(r.passed).toBe(true);
  expect(app.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
});

test('a rejected login stops the run with the server message, never the password', async () => {
  const err = await failure(
    app,
    base({ 'login-url': '/auth/login', 'login-body': '{"username": "ci", "password": "wrong-password-123"}', 'login-token-from': 'json:data.access_token' }),
  );
  expect(err.input).toBe('login-url');
  expect(err.message).toBe(`login-url: login at ${app.url}/auth/login failed: HTTP 401: Invalid credentials`);
  expect(err.message).not.toContain('wrong-password-123');
});

test('no token where login-token-from says: the error names the place, not the values of the answer', async () => {
  const err = await failure(app, base({ 'login-url': '/auth/no-token', 'login-token-from': 'json:data.access_token' }));
  expect(err.message).toBe(
    `login-url: login at ${app.url}/auth/no-token failed: HTTP 200 but no token at json:data.access_token in the answer (its keys: ok, message, session); the server said: Welcome back`,
  );
  expect(err.message).not.toContain(TOKEN);
});

test('a token with a line break in the login answer is an error naming login-token-from, and no load is sent', async () => {
  const before = app.requests.length;
  const secrets: string[] = [];
  const err = await gate(base({ 'login-url': '/auth/lf-token', 'login-token-from': 'json:data.access_token' }), [], secrets).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).message).toBe('login-token-from: the login answer carries a token with a line break or NUL');
  expect(app.requests.slice(before).map((q) => q.path)).toEqual(['/auth/lf-token']);
  expect(secrets).toEqual([]);
});

test('an unreachable login URL fails clearly', async () => {
  const closed = await listen(() => {});
  const url = closed.url;
  await closed.close();
  await expect(gate(base({ 'login-url': `${url}/login`, 'login-token-from': 'header:Authorization' }))).rejects.toThrow(
    /^login-url: login at http:\/\/127\.0\.0\.1:\d+\/login failed: ECONNREFUSED/,
  );
});

describe('RAGFlow login (preset ragflow, login-email / login-password / login-public-key)', () => {
  const ragInputs = (over: Inputs): Inputs => ({
    'base-url': rag.url,
    url: '/v1/conversation/completion',
    preset: 'ragflow',
    body: '{"conversation_id": "conv-{{user}}", "messages": [{"role": "user", "content": "hi", "id": "{{uuid}}"}]}',
    'login-email': 'ci@example.com',
    'login-password': PW,
    'login-public-key': pem,
    stages: '1x1',
    criteria: 'errors == 0',
    ...over,
  });

  test('the password goes RSA-encrypted; the token comes from the Authorization header', async () => {
    const before = rag.requests.length;
    const r = await gate(ragInputs({}));
    expect(r.passed).toBe(true);
    const login = rag.requests[before]!;
    expect(login.path).toBe('/v1/user/login');
    const sent = JSON.parse(login.body) as { email: string; password: string };
    expect(sent.email).toBe('ci@example.com');
    expect(sent.password).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(login.body).not.toContain(PW);
    expect(login.body).not.toContain(Buffer.from(PW).toString('base64'));
    expect(rag.requests[before + 1]!.headers.authorization).toBe(rag.tokens.at(-1));
  });

  test('a wrong password: the server message, no password, no load', async () => {
    const err = await failure(rag, ragInputs({ 'login-password': 'not-the-password' }));
    expect(err.input).toBe('login-email');
    expect(err.message).toBe(`login-email: login at ${rag.url}/v1/user/login failed: code 109: Email and password do not match!`);
    expect(err.message).not.toContain('not-the-password');
  });

  test('an unknown account and a key that is not the server’s are told apart', async () => {
    expect((await failure(rag, ragInputs({ 'login-email': 'nobody@example.com' }))).message).toMatch(/code 109: Email: nobody@example.com is not registered!$/);
    expect((await failure(rag, ragInputs({ 'login-public-key': otherPem }))).message).toMatch(/code 500: Fail to crypt password$/);
  });

  test('the login URL follows a path prefix of the API (RAGFlow behind /ragflow)', () => {
    const cfg = buildConfig({ ...ragInputs({}), 'base-url': 'https://example.com/ragflow' }, { env: {} });
    expect(cfg.login!.url).toBe('https://example.com/ragflow/v1/user/login');
    expect(cfg.login!.tokenFrom).toEqual({ kind: 'header', name: 'authorization', text: 'header:Authorization' });
  });

  test('the PEM may be given as its base64 body alone, or with literal \\n', () => {
    const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    expect(buildConfig(ragInputs({ 'login-public-key': body }), { env: {} }).login).not.toBeNull();
    expect(buildConfig(ragInputs({ 'login-public-key': pem.trim().replace(/\n/g, '\\n') }), { env: {} }).login).not.toBeNull();
  });
});

describe('bad login settings are input errors before any request', () => {
  const rsa = { 'login-email': 'a@b.c', 'login-password': PW, 'login-public-key': '' };
  const cases: Array<[string, Inputs, string, RegExp]> = [
    ['login-token-from without login-url', { 'login-token-from': 'json:token' }, 'login-token-from', /needs login-url/],
    ['login-body without login-url', { 'login-body': '{}' }, 'login-body', /needs login-url/],
    ['login-url without login-token-from (generic)', { 'login-url': '/auth/login' }, 'login-token-from', /is required with login-url/],
    ['bad login-token-from syntax', { 'login-url': '/auth/login', 'login-token-from': 'body.token' }, 'login-token-from', /"body\.token" is not header:NAME or json:PATH/],
    ['bad header name', { 'login-url': '/auth/login', 'login-token-from': 'header:X Token' }, 'login-token-from', /is not a header name/],
    ['bad JSON path', { 'login-url': '/auth/login', 'login-token-from': 'json:data..token' }, 'login-token-from', /is not a JSON path/],
    ['login-url not a URL', { 'login-url': 'not a url', 'login-token-from': 'json:t' }, 'login-url', /is not a valid URL/],
    ['token and a login', { token: 'abc123', 'login-url': '/auth/login', 'login-token-from': 'json:t' }, 'token', /either token or a login/],
    [
      '{{user}} in login-body',
      { 'login-url': '/auth/login', 'login-token-from': 'json:t', 'login-body': '{"u": "{{user}}"}' },
      'login-body',
      /\{\{user\}\} is not available in login-body/,
    ],
    [
      'unknown placeholder in login-body',
      { 'login-url': '/auth/login', 'login-token-from': 'json:t', 'login-body': '{"u": "{{nope}}"}' },
      'login-body',
      /unknown placeholder \{\{nope\}\}/,
    ],
    ['login-email without preset ragflow', { ...rsa, 'login-public-key': 'x' }, 'login-email', /needs preset: ragflow/],
    ['login-email without login-public-key', { ...rsa, preset: 'ragflow' }, 'login-public-key', /is required with login-email/],
    ['login-email without login-password', { preset: 'ragflow', 'login-email': 'a@b.c', 'login-public-key': 'x' }, 'login-password', /is required with login-email/],
    ['login-password without login-email', { preset: 'ragflow', 'login-password': PW }, 'login-password', /needs login-email/],
    [
      'an unparsable PEM',
      { ...rsa, preset: 'ragflow', 'login-public-key': '-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----' },
      'login-public-key',
      /is not a PEM public key/,
    ],
    ['login-body with login-email', { ...rsa, preset: 'ragflow', 'login-public-key': 'x', 'login-body': '{}' }, 'login-body', /is not used with login-email/],
  ];

  test.each(cases)('%s', (_name, inputs, input, message) => {
    const before = app.requests.length;
    let err: unknown;
    try {
      buildConfig(base(inputs), { env });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(input);
    expect((err as InputError).message).toMatch(message);
    expect((err as InputError).message).not.toContain(PW);
    expect(app.requests.length).toBe(before);
  });

  test('an EC key is not an RSA key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => buildConfig(base({ ...rsa, preset: 'ragflow', 'login-public-key': ec }), { env })).toThrow(/login-public-key: is a ec key; an RSA public key is needed/);
  });
});

test('login-token-from syntax', () => {
  expect(parseTokenFrom('header:Authorization')).toEqual({ kind: 'header', name: 'authorization', text: 'header:Authorization' });
  expect(parseTokenFrom(' JSON: data.items[0].token ')).toEqual({ kind: 'json', path: ['data', 'items', '0', 'token'], text: 'json:data.items[0].token' });
  expect(parseTokenFrom('json:$.access_token')).toMatchObject({ kind: 'json', path: ['access_token'] });
});
