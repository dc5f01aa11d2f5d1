// scripts/release.mjs, as the release workflow runs it, against a real git remote (a bare repository)
// and a stand-in `gh` that records what it was asked: the first release tags vX.Y.Z and creates vX,
// a later one moves vX, a pre-release or an older fix leaves it, a re-run finishes without harm, and
// every mistake (no CHANGELOG section, a tag on another commit, uncommitted changes) is one line, exit 1.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../../src/core/version.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = join(root, 'scripts', 'release.mjs');

interface Repo {
  work: string;
  origin: string;
  ghLog: string;
  env: NodeJS.ProcessEnv;
}

const ID = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

function sh(cwd: string, env: NodeJS.ProcessEnv, cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const changelog = (...versions: string[]): string =>
  ['# Changelog', '', '## [Unreleased]', '', ...versions.flatMap((v) => [`## [${v}] - 2026-12-04`, '', `- what ${v} brings`, '']), '[1.0.0]: https://example.com/v1.0.0', ''].join(
    '\n',
  );

/** A repository with a bare remote, package.json at `version`, and a `gh` that logs its calls. */
function repo(version: string): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-release-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const ghLog = join(dir, 'gh.log');
  // `gh release view TAG` succeeds once `gh release create TAG` ran; create logs its arguments and notes.
  writeFileSync(
    join(bin, 'gh'),
    [
      '#!/bin/sh',
      `log=${JSON.stringify(ghLog)}; made=${JSON.stringify(dir)}/made-$3`,
      'if [ "$2" = view ]; then [ -e "$made" ]; exit; fi',
      'printf "%s\\n" "$*" >> "$log"; cat >> "$log"; touch "$made"',
    ].join('\n'),
  );
  chmodSync(join(bin, 'gh'), 0o755);
  const env = { ...process.env, ...ID, PATH: `${bin}:${process.env.PATH}` };
  const origin = join(dir, 'origin.git');
  const work = join(dir, 'work');
  sh(dir, env, 'git', 'init', '--quiet', '--bare', origin);
  sh(dir, env, 'git', 'init', '--quiet', '--initial-branch=main', work);
  sh(work, env, 'git', 'remote', 'add', 'origin', origin);
  commit({ work, origin, ghLog, env }, version, changelog(version));
  return { work, origin, ghLog, env };
}

function commit(r: Repo, version: string, log: string): void {
  writeFileSync(join(r.work, 'package.json'), `${JSON.stringify({ name: 'x', version }, null, 2)}\n`);
  writeFileSync(join(r.work, 'CHANGELOG.md'), log);
  sh(r.work, r.env, 'git', 'add', '-A');
  sh(r.work, r.env, 'git', 'commit', '--quiet', '--allow-empty', '-m', `release ${version}`);
  sh(r.work, r.env, 'git', 'push', '--quiet', 'origin', 'HEAD');
}

const release = (r: Repo, ...args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: r.work, env: r.env, encoding: 'utf8', timeout: 60_000 });
/** The commit each tag points at on the remote. */
function remoteTags(r: Repo): Record<string, string> {
  const out: Record<string, string> = {};
  const list = sh(r.origin, r.env, 'git', 'for-each-ref', '--format=%(refname:short) %(*objectname)%(objectname)', 'refs/tags');
  for (const line of list.split('\n').filter(Boolean)) {
    const [name, ids] = line.split(' ');
    out[name!] = ids!.slice(0, 40);
  }
  return out;
}
const head = (r: Repo): string => sh(r.work, r.env, 'git', 'rev-parse', 'HEAD');

test('the first release tags v1.0.0, creates v1 at the same commit, and publishes the CHANGELOG section; a re-run changes nothing', () => {
  const r = repo('1.0.0');
  const first = release(r);
  expect({ status: first.status, err: first.stderr }).toEqual({ status: 0, err: '' });
  expect(remoteTags(r)).toEqual({ v1: head(r), 'v1.0.0': head(r) });
  const gh = readFileSync(r.ghLog, 'utf8');
  expect(gh).toBe('release create v1.0.0 --verify-tag --title v1.0.0 --notes-file -\n- what 1.0.0 brings\n');
  // Both tags are annotated, as a release tag should be.
  expect(sh(r.origin, r.env, 'git', 'cat-file', '-t', 'refs/tags/v1')).toBe('tag');

  const again = release(r);
  expect(again.status).toBe(0);
  expect(again.stdout).toContain('exists already');
  expect(readFileSync(r.ghLog, 'utf8')).toBe(gh);
  expect(remoteTags(r)).toEqual({ v1: head(r), 'v1.0.0': head(r) });
});

test('a later release moves v1; a pre-release and an older fix leave it where it is', () => {
  const r = repo('1.0.0');
  expect(release(r).status).toBe(0);
  const v100 = head(r);
  commit(r, '1.1.0', changelog('1.1.0', '1.0.0'));
  expect(release(r).status).toBe(0);
  const v110 = head(r);
  expect(remoteTags(r)).toEqual({ v1: v110, 'v1.0.0': v100, 'v1.1.0': v110 });

  commit(r, '1.2.0-rc.1', changelog('1.2.0-rc.1', '1.1.0', '1.0.0'));
  const rc = release(r);
  expect(rc.status).toBe(0);
  expect(rc.stdout).toContain('pre-release: v1 stays');
  expect(remoteTags(r)['v1']).toBe(v110);
  expect(remoteTags(r)['v1.2.0-rc.1']).toBe(head(r));
  expect(readFileSync(r.ghLog, 'utf8')).toContain('release create v1.2.0-rc.1 --verify-tag --title v1.2.0-rc.1 --notes-file - --prerelease\n');

  // A fix of 1.0 made after 1.1.0: its own tag and release, v1 stays on 1.1.0.
  sh(r.work, r.env, 'git', 'checkout', '--quiet', '-b', 'fix-1.0', 'v1.0.0');
  commit(r, '1.0.1', changelog('1.0.1', '1.0.0'));
  const fix = release(r);
  expect(fix.status).toBe(0);
  expect(fix.stdout).toContain('v1 stays where it is: v1.1.0 is newer than v1.0.1');
  expect(remoteTags(r)).toMatchObject({ v1: v110, 'v1.0.1': head(r) });
});

test('mistakes are one line and exit 1, and nothing is tagged or published', () => {
  const r = repo('1.0.0');
  expect(release(r).status).toBe(0);
  const before = remoteTags(r);
  const gh = readFileSync(r.ghLog, 'utf8');

  // A new commit that forgot to raise the version.
  commit(r, '1.0.0', changelog('1.0.0'));
  let res = release(r);
  expect({ status: res.status, err: res.stderr }).toEqual({
    status: 1,
    err: expect.stringMatching(/^release: v1\.0\.0 already exists at [0-9a-f]{12}, not at HEAD [0-9a-f]{12}: raise the version in package\.json\n$/),
  });

  // A version without its CHANGELOG section.
  commit(r, '1.1.0', changelog('1.0.0'));
  res = release(r);
  expect({ status: res.status, err: res.stderr }).toEqual({ status: 1, err: 'release: CHANGELOG.md has no section "## [1.1.0]" with the changes of v1.1.0\n' });

  // Uncommitted changes.
  commit(r, '1.1.0', changelog('1.1.0', '1.0.0'));
  writeFileSync(join(r.work, 'package.json'), '{"name": "x", "version": "1.1.0", "edited": true}\n');
  res = release(r);
  expect({ status: res.status, err: res.stderr }).toEqual({ status: 1, err: 'release: the work tree has uncommitted changes: release a commit as it is\n' });
  sh(r.work, r.env, 'git', 'checkout', '--', 'package.json');

  // Not a version at all, and --move-major with a tag package.json does not name.
  writeFileSync(join(r.work, 'package.json'), '{"name": "x", "version": "1.1"}\n');
  sh(r.work, r.env, 'git', 'commit', '--quiet', '-am', 'bad version');
  res = release(r);
  expect({ status: res.status, err: res.stderr }).toEqual({ status: 1, err: 'release: "1.1" is not a version X.Y.Z (or X.Y.Z-PRE)\n' });
  res = release(r, '--move-major', 'v1.0.0');
  expect({ status: res.status, err: res.stderr }).toEqual({ status: 1, err: 'release: package.json at v1.0.0 says 1.1: the tag and the version must agree\n' });

  expect(remoteTags(r)).toEqual(before);
  expect(readFileSync(r.ghLog, 'utf8')).toBe(gh);
});

test('--move-major (a release published by hand) points v1 at the release tag', () => {
  const r = repo('1.0.0');
  sh(r.work, r.env, 'git', 'tag', '--annotate', 'v1.0.0', '--message', 'v1.0.0');
  sh(r.work, r.env, 'git', 'push', '--quiet', 'origin', 'refs/tags/v1.0.0');
  const res = release(r, '--move-major', 'v1.0.0');
  expect({ status: res.status, out: res.stdout }).toEqual({ status: 0, out: expect.stringContaining('v1 now points at v1.0.0') });
  expect(remoteTags(r)).toEqual({ v1: head(r), 'v1.0.0': head(r) });
  expect(existsSync(r.ghLog)).toBe(false);
});

test('this repository: package.json, the version the tool reports, and a CHANGELOG section agree', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
  expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
  const workflow = readFileSync(join(root, '.github', 'workflows', 'release.yml'), 'utf8');
  expect(workflow).toContain('node scripts/release.mjs');
  expect(workflow).toContain('node scripts/release.mjs --move-major "$TAG"');
  expect(readFileSync(join(root, '.gitattributes'), 'utf8')).toMatch(/^dist\/\*\* -diff linguist-generated=true$/m);
});
