import { buildConfig } from '../../src/core/config/config.js';
import { InputError } from '../../src/core/errors.js';
import { MAX_START_AHEAD_MS, parseShard, parseStartAt, shardUsers, stageSchedule } from '../../src/core/config/shard.js';

describe('shard: K/N', () => {
  test('parses K/N and names the input on anything else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/2', '3/2', '1/0', '2', 'a/b', '1/2/3', '-1/2', '1/257']) {
      expect(() => parseShard(bad)).toThrow(InputError);
      expect(() => parseShard(bad)).toThrow(/^shard: /);
    }
  });

  test('25 users over 3 shards: 9 / 8 / 8, users 1–9, 10–17, 18–25', () => {
    expect([1, 2, 3].map((index) => shardUsers(25, { index, count: 3 }))).toEqual([
      { first: 1, count: 9 },
      { first: 10, count: 8 },
      { first: 18, count: 8 },
    ]);
  });

  test('1 user over 2 shards: 1 / 0 (the second shard has nobody in that stage)', () => {
    expect(shardUsers(1, { index: 1, count: 2 })).toEqual({ first: 1, count: 1 });
    expect(shardUsers(1, { index: 2, count: 2 }).count).toBe(0);
  });

  test('every split is exact: each global user number is run by exactly one shard, shares differ by at most one', () => {
    for (let users = 1; users <= 40; users++) {
      for (let count = 1; count <= 9; count++) {
        const seen: number[] = [];
        const sizes: number[] = [];
        for (let index = 1; index <= count; index++) {
          const s = shardUsers(users, { index, count });
          sizes.push(s.count);
          for (let u = s.first; u < s.first + s.count; u++) seen.push(u);
        }
        expect(seen).toEqual(Array.from({ length: users }, (_, i) => i + 1));
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('start-at', () => {
  const now = Date.parse('2026-12-01T10:00:00.000Z');
  test('an ISO time, that time plus a lead, or a lead from now', () => {
    expect(parseStartAt('2026-12-01T10:01:00Z', now)).toBe(now + 60_000);
    expect(parseStartAt('2026-12-01T10:00:00Z+90s', now)).toBe(now + 90_000);
    expect(parseStartAt('2026-12-01T11:00:30+01:00', now)).toBe(now + 30_000);
    expect(parseStartAt('2026-12-01T11:00:30+0100', now)).toBe(now + 30_000);
    expect(parseStartAt('2026-12-01T11:00:00+01:00+2m', now)).toBe(now + 120_000);
    expect(parseStartAt('+90s', now)).toBe(now + 90_000);
    expect(parseStartAt('+1500ms', now)).toBe(now + 1500);
    expect(parseStartAt('2026-12-01T09:59:00Z', now)).toBe(now - 60_000); // in the past: the shard starts late and says so
  });
  test('anything else is an input error naming start-at', () => {
    for (const bad of ['tomorrow', '2026-12-01 10:00', '2026-12-01T10:00:00', '+', '+x', '+90', '2026-13-45T99:00:00Z']) {
      expect(() => parseStartAt(bad, now)).toThrow(/^start-at: /);
    }
    expect(() => parseStartAt(`+${MAX_START_AHEAD_MS / 1000 + 1}s`, now)).toThrow(/more than 60 minutes ahead/);
  });
  test('stage k starts at start + the windows and cool-downs before it; the default window is the worst case', () => {
    const stages = [
      { users: 1, requestsPerUser: 1 },
      { users: 20, requestsPerUser: 2 },
      { users: 5, requestsPerUser: 3 },
    ];
    expect(stageSchedule(1000, stages, { windowMs: 2000, timeoutMs: 60_000, cooldownMs: 500 })).toEqual([1000, 3500, 6000]);
    expect(stageSchedule(0, stages, { windowMs: null, timeoutMs: 10_000, cooldownMs: 500 })).toEqual([0, 10_500, 31_000]);
  });
});

describe('config', () => {
  const base = { url: 'http://127.0.0.1:1/chat', stages: '1x1, 20x2' };
  const build = (inputs: Record<string, string>) => buildConfig({ ...base, ...inputs }, { env: {}, now: Date.parse('2026-12-01T10:00:00Z') });
  test('shard, start-at and stage-window make the schedule', () => {
    const cfg = build({ shard: '2/2', 'start-at': '2026-12-01T10:00:05Z', 'stage-window': '3s', cooldown: '500ms' });
    expect(cfg.shard).toEqual({ index: 2, count: 2 });
    expect(cfg.schedule).toEqual([Date.parse('2026-12-01T10:00:05Z'), Date.parse('2026-12-01T10:00:08.5Z')]);
    expect(build({}).schedule).toBeNull();
  });
  test('settings that cannot hold with a shard are input errors, never ignored', () => {
    expect(() => build({ shard: '1/2', repeat: '3' })).toThrow(/^repeat: cannot be combined with shard/);
    expect(() => build({ shard: '1/2', baseline: 'old.json' })).toThrow(/^baseline: .*merge/);
    expect(() => build({ 'stage-window': '2s' })).toThrow(/^stage-window: only applies with start-at/);
    expect(() => build({ shard: '1/2', 'compare-url': 'http://127.0.0.1:2/chat' })).toThrow(/^compare-url: cannot be combined with shard/);
    expect(() => build({ shard: '1/2', 'health-url': '/health' })).toThrow(/^health-url: cannot be combined with shard/);
  });
});
