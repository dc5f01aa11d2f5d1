// compare-url and friends: how the compare target is resolved, what it is sent, what is secret, and
// the input errors.
import { buildConfig } from '../../src/core/config/config.js';
import { CORE_INPUTS } from '../../src/core/config/inputs.js';
import { InputError } from '../../src/core/errors.js';
import { publicConfig } from '../../src/core/config/public.js';
import { readFileSync } from 'node:fs';
import { inputSecrets } from '../../src/action/inputs.js';
import { targetsOf } from '../../src/core/config/targets.js';

const build = (inputs: Record<string, string>) => buildConfig(inputs, { env: { KEY: 'env-key-123' } });

function inputError(inputs: Record<string, string>): InputError {
  try {
    build(inputs);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('compare target', () => {
  test('none by default; compare-headers or compare-token alone is an error naming it', () => {
    expect(build({ url: 'http://127.0.0.1:1/chat' }).compare).toBeNull();
    expect(inputError({ url: 'http://127.0.0.1:1/chat', 'compare-token': 't' }).message).toMatch(/compare-token.*compare-url is not/);
    expect(inputError({ url: 'http://127.0.0.1:1/chat', 'compare-headers': 'A: b' }).message).toMatch(/compare-headers.*compare-url is not/);
  });

  test('an absolute compare-url; a path against compare-base-url; the url path against compare-base-url alone', () => {
    expect(build({ url: 'http://127.0.0.1:1/chat', 'compare-url': 'http://127.0.0.1:2/v1/chat?x=1' }).compare).toMatchObject({
      origin: 'http://127.0.0.1:2',
      path: '/v1/chat?x=1',
    });
    expect(build({ url: '/chat', 'base-url': 'http://127.0.0.1:1/app', 'compare-url': '/other', 'compare-base-url': 'http://127.0.0.1:2/prod' }).compare).toMatchObject({
      url: 'http://127.0.0.1:2/prod/other',
    });
    expect(build({ url: '/chat', 'base-url': 'http://127.0.0.1:1/app', 'compare-base-url': 'http://127.0.0.1:2/prod' }).compare!.url).toBe('http://127.0.0.1:2/prod/chat');
    expect(build({ url: 'http://127.0.0.1:1/a/chat?q=1', 'compare-base-url': 'http://127.0.0.1:2' }).compare!.url).toBe('http://127.0.0.1:2/a/chat?q=1');
  });

  test('bad compare URLs are errors naming the input', () => {
    expect(inputError({ url: 'http://127.0.0.1:1/chat', 'compare-url': '/chat' }).message).toMatch(/^compare-url: "\/chat" is a path: set compare-base-url/);
    expect(inputError({ url: 'http://127.0.0.1:1/chat', 'compare-url': 'ftp://x/y' }).message).toMatch(/^compare-url: scheme "ftp"/);
    expect(inputError({ url: 'http://127.0.0.1:1/chat', 'compare-base-url': 'nope' }).message).toMatch(/^compare-base-url: "nope" is not a valid URL/);
  });

  test("the request is the same; the token and headers are the compare target's own when given", () => {
    const same = build({
      url: 'http://127.0.0.1:1/chat',
      'compare-url': 'http://127.0.0.1:2/chat',
      token: 'head-secret',
      headers: 'X-A: 1',
      body: '{"u":{{user}},"i":{{iteration}}}',
    });
    const h = targetsOf(same).head.render({ stage: 1, user: 2, iteration: 3 });
    const c = targetsOf(same).base!.render({ stage: 1, user: 2, iteration: 3 });
    expect(c).toEqual(h);
    // One renderer for both targets: the same headers in the same order on the wire.
    expect(Object.keys(c.headers)).toEqual(Object.keys(h.headers));
    expect(c.headers.authorization).toBe('Bearer head-secret');

    const own = build({
      url: 'http://127.0.0.1:1/chat',
      'compare-url': 'http://127.0.0.1:2/chat',
      token: 'head-secret',
      headers: 'X-A: 1',
      'compare-token': 'base-secret',
      'compare-headers': 'X-Api-Key: {{env.KEY}}\nX-B: {{token}}',
      body: '{"t":"{{token}}"}',
    });
    const r = targetsOf(own).base!.render({ stage: 1, user: 1, iteration: 1 });
    expect(r.headers).toEqual({
      'accept-encoding': 'gzip, deflate, br',
      'content-type': 'application/json',
      authorization: 'Bearer base-secret',
      'X-Api-Key': 'env-key-123',
      'X-B': 'base-secret',
    });
    expect(r.body).toBe('{"t":"base-secret"}');
    expect(targetsOf(own).head.render({ stage: 1, user: 1, iteration: 1 }).body).toBe('{"t":"head-secret"}');
    expect(own.secrets).toEqual(expect.arrayContaining(['head-secret', 'base-secret']));
    const pub = JSON.stringify(publicConfig(own));
    expect(pub).not.toContain('base-secret');
    expect(publicConfig(own)).toMatchObject({ compareUrl: 'http://127.0.0.1:2/chat', compareToken: '***', compareHeaders: ['X-Api-Key: ***', 'X-B: {{token}}'] });
  });

  test('the action masks compare-token before anything is logged', () => {
    expect(inputSecrets({ core: { token: 'a-1', 'compare-token': ' b-2 ' }, action: {} } as unknown as Parameters<typeof inputSecrets>[0])).toEqual(['a-1', 'b-2']);
  });

  test('a compare-url password is a secret and not shown', () => {
    const cfg = build({ url: 'http://127.0.0.1:1/chat', 'compare-url': 'http://u:pw-9876@127.0.0.1:2/chat' });
    expect(cfg.secrets).toContain('pw-9876');
    expect(cfg.compare!.displayUrl).not.toContain('pw-9876');
  });

  test('compare. criteria need a compare target', () => {
    const e = inputError({ url: 'http://127.0.0.1:1/chat', criteria: 'success_rate > 95%\nttfc.avg < 1.2 * compare.ttfc.avg' });
    expect(e.message).toMatch(/^criteria: line 2: "ttfc.avg < 1.2 \* compare.ttfc.avg" references compare.ttfc.avg but no compare target is set/);
    expect(build({ url: 'http://127.0.0.1:1/chat', 'compare-url': 'http://127.0.0.1:2/chat', criteria: 'ttfc.avg < 1.2 * compare.ttfc.avg' }).criteria).toHaveLength(1);
  });

  test('the inputs are in action.yml, the CLI and the README', () => {
    const action = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of ['compare-url', 'compare-base-url', 'compare-headers', 'compare-token']) {
      expect(name in CORE_INPUTS).toBe(true);
      expect(action).toContain(`\n  ${name}:\n`);
      expect(readme).toContain(`| \`${name}\` |`);
    }
  });
});
