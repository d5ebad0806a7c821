import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering STYLE.md describes, held by a test: no import cycles, no import from a lower layer
// to a higher one, and no Node built-in in a file whose name does not say it touches the machine.

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Lowest first: a module may import its own layer and those below it, never one above. */
const LAYERS: string[][] = [
  ['schema', 'site', 'errors.ts', 'closest.ts', 'fnv1a.ts', 'concurrency.ts', 'progress.ts', 'timer.ts', 'package-root-node.ts'],
  ['sif', 'git', 'github', 'gitlab', 'storage', 'records'],
  ['model'],
  ['hosts'],
  ['pipeline', 'output', 'serve', 'bench', 'deploy'],
  ['commands'],
  ['pages', 'components', 'layouts', 'browser', 'styles'],
];

/** Node built-ins are allowed in files named for what they touch, and in the layers that run things. */
const MAY_USE_NODE = /-(fs|node|git|http|tty|astro|pagefind|github)\.ts$/;
const RUNNING_LAYERS = new Set(['git', 'pipeline', 'output', 'serve', 'bench', 'deploy', 'commands', 'storage', 'github']);

function sourceFiles(): string[] {
  return readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|astro|css)$/.test(f))
    .map((f) => `src/${f.split(path.sep).join('/')}`);
}

function importsOf(file: string): { relative: string[]; builtins: string[] } {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return {
    relative: specifiers.filter((s) => s.startsWith('.')).map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s))),
    builtins: specifiers.filter((s) => s.startsWith('node:')),
  };
}

const layerOf = (file: string) => {
  const top = file.split('/')[1]!;
  const index = LAYERS.findIndex((layer) => layer.includes(top));
  if (index === -1) throw new Error(`${file}: ${top} is in no layer; add it to LAYERS`);
  return index;
};

const files = sourceFiles();
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('the source tree', () => {
  it('imports no file that does not exist (the scanner sees every import)', () => {
    const missing = [...graph].flatMap(([file, { relative }]) => relative.filter((target) => !files.includes(target)).map((target) => `${file} → ${target}`));
    expect(missing).toEqual([]);
    expect(graph.get('src/pipeline/build.ts')!.relative).toContain('src/pipeline/load-site.ts');
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file)?.relative ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('never imports from a higher layer', () => {
    const upward = [...graph].flatMap(([file, { relative }]) =>
      relative.filter((target) => files.includes(target) && layerOf(target) > layerOf(file)).map((target) => `${file} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('uses Node built-ins only where a file says it touches the machine', () => {
    const impure = [...graph]
      .filter(([file, { builtins }]) => builtins.length > 0 && !MAY_USE_NODE.test(file) && !RUNNING_LAYERS.has(file.split('/')[1]!))
      .map(([file, { builtins }]) => `${file}: ${builtins.join(', ')}`);
    expect(impure).toEqual([]);
  });

  it('turns text into a checked record in one place', () => {
    const parsers = files.filter((f) => f !== 'src/records/check-record.ts' && /\bparse(MarkdownRecord|Yaml)\(/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(parsers).toEqual(['src/records/parse-record.ts']);
  });
});
