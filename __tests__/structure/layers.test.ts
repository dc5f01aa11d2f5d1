// The layering docs/architecture.md describes, kept by a test: the imports of src/ are read (every
// `from '…'` and `import('…')`), and the test fails on an import cycle or on an arrow against the
// layers. The few arrows still against them are listed by name, each with the issue that removes it;
// an exception that no longer occurs fails too, so the list only shrinks.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

/** Every .ts file under a directory, as a path relative to src/ ('core/load/runner.ts'). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [relative(src, path)] : [];
  });
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** The specifiers a module imports: src-relative paths for its own files, package names otherwise. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? '';
    if (spec.startsWith('.')) out.push(relative(src, resolve(src, dirname(file), spec)).replace(/\.js$/, '.ts'));
    else out.push(spec);
  }
  return out;
}

type Graph = Map<string, string[]>;

function graphOf(files: string[]): Graph {
  return new Map(files.map((f) => [f, importsOf(f, readFileSync(join(src, f), 'utf8'))]));
}

/** Strongly connected components of more than one module (Tarjan), each sorted: the import cycles. */
export function cyclesOf(graph: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => a.join().localeCompare(b.join()));
}

interface Rule {
  /** What the rule keeps. */
  why: string;
  /** The modules it applies to. */
  from: (file: string) => boolean;
  /** An import it forbids. */
  to: (spec: string) => boolean;
}

const under = (dir: string) => (p: string) => p.startsWith(dir);
const LEAVES = ['core/metric-names.ts', 'core/input-value.ts', 'core/random.ts', 'core/errors.ts', 'core/time/clock.ts', 'core/time/duration.ts'];

export const RULES: Rule[] = [
  // @actions/exec is allowed: it runs the commands the gate runs (monitor, logs-command), GitHub or not.
  {
    why: 'the core knows nothing of GitHub, of its adapters or of the demo target',
    from: under('core/'),
    to: (s) => s === '@actions/core' || s === '@actions/github' || ['action/', 'cli/', 'demo/'].some((d) => s.startsWith(d)),
  },
  { why: 'a leaf imports no other module of the core than leaves', from: (f) => LEAVES.includes(f), to: (s) => under('core/')(s) && !LEAVES.includes(s) },
  { why: 'types.ts is the bottom: it imports only the metric-name leaf', from: (f) => f === 'core/types.ts', to: (s) => under('core/')(s) && s !== 'core/metric-names.ts' },
  {
    why: 'the load layer runs requests; it does not read inputs, analyse or report',
    from: under('core/load/'),
    to: (s) => ['core/config/', 'core/analysis/', 'core/report/'].some((d) => s.startsWith(d)),
  },
  {
    why: 'the server side does not reach back into the load, config or analysis layers',
    from: under('core/server/'),
    to: (s) => ['core/load/', 'core/config/', 'core/analysis/'].some((d) => s.startsWith(d)),
  },
  { why: 'analysis does not format for a report', from: under('core/analysis/'), to: under('core/report/') },
  {
    why: 'run/ runs a plan on the load layer and summarizes it; nothing below it calls back up',
    from: (f) => ['core/load/', 'core/analysis/', 'core/server/', 'core/config/'].some((d) => f.startsWith(d)),
    to: under('core/run/'),
  },
  {
    why: 'what a report renders sits below report/: config, prepare, server and shards do not import it',
    from: (f) => ['core/config/', 'core/prepare/', 'core/server/', 'core/shards/'].some((d) => f.startsWith(d)),
    to: under('core/report/'),
  },
  { why: 'config/ describes the run; the steps that act on it (prepare/) come after it', from: under('core/config/'), to: under('core/prepare/') },
];

/** Arrows against the layers that are known and have an issue that removes them. */
const KNOWN_ARROWS = new Set<string>([]);
/** Cycles that are known, by their sorted members, each with the issue that breaks it. */
const KNOWN_CYCLES = new Set<string>([]);

const graph = graphOf(sources(src));

test('the scan sees the imports (a file known to import another does)', () => {
  expect(graph.get('core/analysis/criteria/evaluate.ts')).toContain('core/analysis/criteria/operators.ts');
  expect(graph.size).toBeGreaterThan(100);
});

test('no import cycle beyond the known ones, and every known one still occurs', () => {
  const cycles = cyclesOf(graph).map((c) => c.join(' <-> '));
  expect(cycles.filter((c) => !KNOWN_CYCLES.has(c))).toEqual([]);
  expect([...KNOWN_CYCLES].filter((c) => !cycles.includes(c))).toEqual([]);
});

test('no arrow against the layers beyond the known ones, and every known one still occurs', () => {
  const arrows: string[] = [];
  for (const [file, specs] of graph) {
    for (const spec of specs) {
      for (const rule of RULES) if (rule.from(file) && rule.to(spec)) arrows.push(`${file} -> ${spec} (${rule.why})`);
    }
  }
  const key = (a: string) => a.replace(/ \(.*$/, '');
  expect(arrows.filter((a) => !KNOWN_ARROWS.has(key(a)))).toEqual([]);
  expect([...KNOWN_ARROWS].filter((k) => !arrows.some((a) => key(a) === k))).toEqual([]);
});

test('config/ does no network I/O', () => {
  const net = /^(undici|node:(http|https|net|tls|dns)|(http|https|net|tls|dns))$/;
  const io = [...graph].filter(([f]) => f.startsWith('core/config/')).flatMap(([f, specs]) => specs.filter((s) => net.test(s)).map((s) => `${f} -> ${s}`));
  expect(io).toEqual(KNOWN_CONFIG_IO);
});

// Login and wait-for polling are prepare/'s: config/ only describes them.
const KNOWN_CONFIG_IO: string[] = [];

test('the checks can fail: a planted cycle and a planted arrow are found', () => {
  const planted: Graph = new Map([
    ['core/a.ts', ['core/b.ts']],
    ['core/b.ts', ['core/a.ts', '@actions/core']],
  ]);
  expect(cyclesOf(planted)).toEqual([['core/a.ts', 'core/b.ts']]);
  const against = (file: string, spec: string) => RULES.filter((r) => r.from(file) && r.to(spec)).length;
  expect(against('core/b.ts', '@actions/core')).toBe(1);
  expect(against('core/load/x.ts', 'core/config/y.ts')).toBe(1);
  expect(against('core/load/x.ts', 'core/time/clock.ts')).toBe(0);
  expect(against('core/shards/identity.ts', 'core/report/json.ts')).toBe(1);
  expect(against('core/gate.ts', 'demo/server.ts')).toBe(1);
});
