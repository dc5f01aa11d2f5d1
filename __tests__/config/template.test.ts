// Per-request templating in body, body-file and headers; a bad preset or template is an input
// error before any request is sent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { InputError } from '../../src/core/errors.js';
import { runGate } from '../../src/core/gate.js';
import { json, listen, type TestServer } from '../helpers/servers/http.js';
import { targetsOf } from '../../src/core/config/targets.js';
import { renderRequest } from '../../src/core/config/request.js';

let server: TestServer;
beforeAll(async () => {
  server = await listen((req, res) => {
    if (req.path !== '/chat') return json(res, 404, {});
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    res.end('{"n":1}\n{"n":2}\n');
  });
});
afterAll(async () => {
  await server.close();
});

const base = (over: Inputs): Inputs => ({ url: `${server.url}/chat`, stages: '2x2, 3x1', cooldown: '10ms', criteria: 'errors == 0', ...over });

test('{{uuid}} {{user}} {{iteration}} {{stage}} {{env.NAME}} {{token}} are filled per request, in body and headers', async () => {
  const before = server.requests.length;
  const cfg = buildConfig(
    base({
      token: 'tok-abcdef',
      body: '{"id": "{{uuid}}", "conversation": "c-{{ user }}", "turn": {{iteration}}, "stage": {{stage}}, "tenant": "{{env.TENANT}}"}',
      headers: 'X-Request-Id: {{uuid}}\nX-User: u{{user}}-s{{stage}}\nX-Token-Echo: {{token}}',
    }),
    { env: { TENANT: 'acme' } },
  );
  const r = await runGate(cfg, { noWrite: true });
  expect(r.passed).toBe(true);
  const sent = server.requests.slice(before);
  expect(sent).toHaveLength(7);
  const bodies = sent.map((q) => JSON.parse(q.body) as { id: string; conversation: string; turn: number; stage: number; tenant: string });
  expect(new Set(bodies.map((b) => b.id)).size).toBe(7);
  expect(new Set(sent.map((q) => q.headers['x-request-id'])).size).toBe(7);
  expect(bodies.map((b) => `${b.stage}:${b.conversation}:${b.turn}`).sort()).toEqual(['1:c-1:1', '1:c-1:2', '1:c-2:1', '1:c-2:2', '2:c-1:1', '2:c-2:1', '2:c-3:1']);
  for (const [i, q] of sent.entries()) {
    expect(q.headers['x-user']).toBe(`u${bodies[i]!.conversation.slice(2)}-s${bodies[i]!.stage}`);
    expect(q.headers['x-token-echo']).toBe('tok-abcdef');
    expect(q.headers['content-type']).toBe('application/json');
    expect(bodies[i]!.tenant).toBe('acme');
  }
});

test('body-file takes the same placeholders', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-template-'));
  try {
    writeFileSync(join(dir, 'body.json'), '{"user": {{user}}, "id": "{{uuid}}"}\n');
    const before = server.requests.length;
    await runGate(buildConfig(base({ 'body-file': 'body.json', stages: '2x1' }), { env: {}, cwd: dir }), { noWrite: true });
    expect(
      server.requests
        .slice(before)
        .map((q) => (JSON.parse(q.body) as { user: number }).user)
        .sort(),
    ).toEqual([1, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const bad: Array<[string, Inputs, string, RegExp]> = [
  ['unknown placeholder in body', { body: '{"q": "{{question}}"}' }, 'body', /unknown placeholder \{\{question\}\} \(known: \{\{uuid\}\}, \{\{user\}\}/],
  ['unknown placeholder in headers', { headers: 'X-Id: {{requestId}}' }, 'headers', /unknown placeholder \{\{requestId\}\}/],
  ['unset environment variable', { body: '{"k": "{{env.NOT_SET_ANYWHERE_42}}"}' }, 'body', /environment variable NOT_SET_ANYWHERE_42 is not set/],
  ['{{token}} without a token or a login', { body: '{"t": "{{token}}"}' }, 'body', /\{\{token\}\} is used but no token is set/],
  ['{{token}} in headers without a token', { headers: 'X-Api-Key: {{token}}' }, 'headers', /\{\{token\}\} is used but no token is set/],
  ['an unknown preset', { preset: 'anthropic' }, 'preset', /unknown preset "anthropic" \(known: generic, openai, ragflow\)/],
  ['a prototype name as preset', { preset: 'constructor' }, 'preset', /unknown preset "constructor"/],
];

test.each(bad)('%s: an input error naming the input, and no request sent', (_name, over, input, message) => {
  const before = server.requests.length;
  let err: unknown;
  try {
    buildConfig(base(over), { env: {} });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).input).toBe(input);
  expect((err as InputError).message).toMatch(message);
  expect(server.requests.length).toBe(before);
});

test('preset names are case-insensitive and set the auth scheme of token', () => {
  const render = (preset: string, path = '/chat') =>
    targetsOf(buildConfig({ url: `${server.url}${path}`, preset, token: 'k-123' }, { env: {} })).head.render({ stage: 1, user: 1, iteration: 1 }).headers.authorization;
  expect(render('OpenAI')).toBe('Bearer k-123');
  expect(render('generic')).toBe('Bearer k-123');
  expect(render('ragflow', '/v1/conversation/completion')).toBe('k-123');
  expect(render('ragflow', '/api/v1/chats/abc/completions')).toBe('Bearer k-123');
  // headers always win
  expect(
    targetsOf(buildConfig({ url: `${server.url}/chat`, preset: 'ragflow', token: 'k-123', headers: 'Authorization: Token k-123' }, { env: {} })).head.render({
      stage: 1,
      user: 1,
      iteration: 1,
    }).headers.Authorization,
  ).toBe('Token k-123');
});

test('the request template is plain data: a JSON copy renders the same request; the token is an argument', () => {
  const cfg = buildConfig(
    { url: `${server.url}/chat`, token: 'tok-0', headers: 'X-User: u-{{user}}\nX-Key: {{env.KEY}}\nX-Tok: {{token}}', body: '{"i":{{iteration}},"t":"{{token}}"}' },
    { env: { KEY: 'k-1' } },
  );
  const copy = JSON.parse(JSON.stringify(cfg.request)) as typeof cfg.request;
  const ids = { stage: 2, user: 7, iteration: 3 };
  expect(renderRequest(copy, ids, 'tok-9')).toEqual(renderRequest(cfg.request, ids, 'tok-9'));
  expect(renderRequest(copy, ids, 'tok-9')).toEqual({
    headers: { 'accept-encoding': 'gzip, deflate, br', 'content-type': 'application/json', authorization: 'Bearer tok-9', 'X-User': 'u-7', 'X-Key': 'k-1', 'X-Tok': 'tok-9' },
    body: '{"i":3,"t":"tok-9"}',
  });
  // Without a token, {{token}} is an error naming the input it is in.
  expect(() => renderRequest(cfg.request, ids, undefined)).toThrow(/^headers: \{\{token\}\} is used but no token is set/);
});
