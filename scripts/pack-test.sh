#!/usr/bin/env bash
# The CLI as a user gets it: `npm pack` the package (with the committed dist/), install the
# tarball into an empty folder, run `npx ttfc-gate --help` and `--version`. Only the npm registry
# (or npm's cache, tried first) is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
files="$(tar -tzf "$work/$tarball")"
echo "packed $tarball: $(echo "$files" | wc -l) files"
grep -qx 'package/dist/cli/index.js' <<<"$files" || { echo "the tarball has no dist/cli/index.js" >&2; exit 1; }
grep -qx 'package/action.yml' <<<"$files" || { echo "the tarball has no action.yml" >&2; exit 1; }
if grep -qE '^package/(src|__tests__|lib|node_modules)/' <<<"$files"; then
  echo "the tarball ships sources or build output it should not" >&2
  exit 1
fi

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$work/$tarball"
# The CLI is one bundle: installing it must pull no package besides itself.
installed="$(cd node_modules && ls -A | grep -v '^\.' || true)"
if [ "$installed" != "ttfc-gate" ]; then
  echo "installing the tarball pulled more than ttfc-gate:" >&2
  echo "$installed" >&2
  exit 1
fi
echo "installed: ttfc-gate alone"
help="$(npx --no-install ttfc-gate --help)"
head -n 3 <<<"$help"
grep -q -- '--url' <<<"$help" || { echo "ttfc-gate --help does not list --url" >&2; exit 1; }
version="$(npx --no-install ttfc-gate --version)"
echo "$version"
expected="$(node -p 'require("./node_modules/ttfc-gate/package.json").version')"
[[ "$version" == *"$expected"* ]] || { echo "ttfc-gate --version says '$version', package.json $expected" >&2; exit 1; }
echo "npx ttfc-gate works from the tarball"
