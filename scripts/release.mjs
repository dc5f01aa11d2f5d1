#!/usr/bin/env node
// Releases the version package.json names, as .github/workflows/release.yml runs it on main:
// tags HEAD vX.Y.Z, moves the major tag vX to it (how actions/typescript-action's script/release
// versions an action: `uses: owner/repo@v1` follows every 1.x release) and publishes the GitHub
// release with the CHANGELOG's section as its notes.
//
//   node scripts/release.mjs                    tag, move the major, publish (re-runnable)
//   node scripts/release.mjs --move-major vX.Y.Z  only move vX (a release published by hand)
//
// A pre-release (1.1.0-rc.1) gets its tag and release but leaves vX alone, and so does a release
// older than the newest vX.*.* (a fix for an old minor must not move v1 back). Exit 1 with one
// line on anything wrong: a version without a CHANGELOG section, a tag already on another commit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const REMOTE = process.env.RELEASE_REMOTE ?? 'origin';

class ReleaseError extends Error {}

const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const tryGit = (...args) => {
  try {
    return git(...args);
  } catch {
    return null;
  }
};
const log = (line) => console.log(line);

/** `1.2.3` or `1.2.3-rc.1` → its parts; anything else is an error. */
function parseVersion(version) {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(version);
  if (!m) throw new ReleaseError(`"${version}" is not a version X.Y.Z (or X.Y.Z-PRE)`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? null };
}

/** The CHANGELOG section of a version: the lines under `## [X.Y.Z]` up to the next `## ` heading. */
function changelogSection(changelog, version) {
  const lines = changelog.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## [${version}]`));
  if (start < 0) return null;
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const body = lines
    .slice(start + 1, end)
    .filter((l) => !/^\[[^\]]+\]: /.test(l))
    .join('\n')
    .trim();
  return body === '' ? null : body;
}

/** The commit a tag points at, here or on the remote; null when there is no such tag. */
function tagCommit(tag) {
  const local = tryGit('rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`);
  if (local) return local;
  const remote = tryGit('ls-remote', '--tags', REMOTE, `refs/tags/${tag}^{}`, `refs/tags/${tag}`);
  if (!remote) return null;
  // An annotated tag lists its object and, with ^{}, its commit: the commit is the line with ^{}.
  const rows = remote.split('\n').map((r) => r.split('\t'));
  return (rows.find((r) => r[1]?.endsWith('^{}')) ?? rows[0])[0];
}

/** Whether `tag` is the newest release vMAJOR.*.* (pre-releases aside), so vMAJOR may point at it. */
function isNewestOfMajor(tag, major) {
  tryGit('fetch', '--quiet', REMOTE, `+refs/tags/v${major}.*:refs/tags/v${major}.*`);
  const newer = git('tag', '--list', `v${major}.*`)
    .split('\n')
    .filter((t) => /^v\d+\.\d+\.\d+$/.test(t))
    .map((t) => ({ t, v: parseVersion(t.slice(1)) }))
    .filter(({ v }) => {
      const mine = parseVersion(tag.slice(1));
      return v.minor > mine.minor || (v.minor === mine.minor && v.patch > mine.patch);
    });
  if (newer.length > 0) log(`v${major} stays where it is: ${newer.map((n) => n.t).join(', ')} is newer than ${tag}`);
  return newer.length === 0;
}

/** Points vMAJOR at the commit of `tag` and pushes it (forced: it moves). */
function moveMajor(tag) {
  const { major, pre } = parseVersion(tag.replace(/^v/, ''));
  if (pre !== null) {
    log(`${tag} is a pre-release: v${major} stays where it is`);
    return;
  }
  if (!isNewestOfMajor(tag, major)) return;
  const commit = git('rev-parse', `refs/tags/${tag}^{commit}`);
  git('tag', '--force', '--annotate', `v${major}`, '--message', `v${major}: ${tag}`, commit);
  git('push', '--force', REMOTE, `refs/tags/v${major}`);
  log(`v${major} now points at ${tag} (${commit.slice(0, 12)})`);
}

function publish(tag, notes, prerelease) {
  const exists = (() => {
    try {
      execFileSync('gh', ['release', 'view', tag], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (exists) {
    log(`the release ${tag} exists already`);
    return;
  }
  const args = ['release', 'create', tag, '--verify-tag', '--title', tag, '--notes-file', '-'];
  if (prerelease) args.push('--prerelease');
  execFileSync('gh', args, { input: `${notes}\n`, stdio: ['pipe', 'inherit', 'inherit'] });
  log(`published the release ${tag}`);
}

function release() {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  const { pre } = parseVersion(version);
  const tag = `v${version}`;
  const notes = changelogSection(readFileSync('CHANGELOG.md', 'utf8'), version);
  if (notes === null) throw new ReleaseError(`CHANGELOG.md has no section "## [${version}]" with the changes of ${tag}`);
  if (git('status', '--porcelain', '--untracked-files=no') !== '') throw new ReleaseError('the work tree has uncommitted changes: release a commit as it is');
  const head = git('rev-parse', 'HEAD');
  const at = tagCommit(tag);
  if (at !== null && at !== head) {
    throw new ReleaseError(`${tag} already exists at ${at.slice(0, 12)}, not at HEAD ${head.slice(0, 12)}: raise the version in package.json`);
  }
  if (at === null) {
    git('tag', '--annotate', tag, '--message', tag, head);
    git('push', REMOTE, `refs/tags/${tag}`);
    log(`tagged ${head.slice(0, 12)} ${tag}`);
  } else {
    tryGit('fetch', '--quiet', REMOTE, `+refs/tags/${tag}:refs/tags/${tag}`);
    log(`${tag} is already at HEAD`);
  }
  moveMajor(tag);
  publish(tag, notes, pre !== null);
}

function main(argv) {
  if (argv[0] === '--move-major') {
    const tag = argv[1] ?? '';
    if (!/^v\d/.test(tag)) throw new ReleaseError(`--move-major needs a release tag vX.Y.Z, not "${tag}"`);
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    if (`v${version}` !== tag) throw new ReleaseError(`package.json at ${tag} says ${version}: the tag and the version must agree`);
    if (tryGit('rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`) === null) throw new ReleaseError(`there is no tag ${tag}`);
    moveMajor(tag);
    return;
  }
  if (argv.length > 0) throw new ReleaseError(`unexpected argument "${argv[0]}" (no argument, or --move-major vX.Y.Z)`);
  release();
}

try {
  main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof ReleaseError)) throw err;
  console.error(`release: ${err.message}`);
  process.exitCode = 1;
}
