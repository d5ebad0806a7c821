#!/usr/bin/env node
// Lighthouse scores of every page kind: the bundled example registry and a
// synthetic registry of --tags tags (10,000 by default; 0 skips it), each built and served on
// 127.0.0.1, audited with Lighthouse's mobile preset in Debian's Chromium. Prints one line per
// page and whether each category meets its target; exits 1 when one does not. Not a test: the
// figures depend on the machine.
//   npm run lighthouse -- [--tags N] [--workdir DIR] [--runs N]
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, styleText } from 'node:util';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { generateRegistry } from '../src/bench/generate-registry-git.ts';
import { buildSite } from '../src/pipeline/build.ts';
import { PACKAGE_ROOT } from '../src/package-root-node.ts';
import { startStaticServer } from '../src/serve/static-server-node.ts';
import { basePath } from '../src/site/urls.ts';

const TARGETS: Record<string, number> = { accessibility: 100, 'best-practices': 100, seo: 95, performance: 95 };
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].find(Boolean)!;

const { values } = parseArgs({ options: { tags: { type: 'string', default: '10000' }, workdir: { type: 'string' }, runs: { type: 'string', default: '1' } } });
const tags = Number(values.tags);
const runs = Number(values.runs);
if (!Number.isSafeInteger(tags) || tags < 0 || !Number.isSafeInteger(runs) || runs < 1) {
  console.error('Usage: npm run lighthouse -- [--tags N] [--workdir DIR] [--runs N]');
  process.exit(2);
}
const workdir = path.resolve(values.workdir ?? (await mkdtemp(path.join(tmpdir(), 'sifhub-lighthouse-'))));

/** The site path of one page of each kind, found in the built site. */
async function pageKinds(dist: string, base: string): Promise<Record<string, string>> {
  const index = JSON.parse(await readFile(path.join(dist, 'api/v1/collections.json'), 'utf8')) as { collections: { name: string }[] };
  const collection = index.collections[0]!.name;
  const detail = JSON.parse(await readFile(path.join(dist, `api/v1/collections/${collection}.json`), 'utf8')) as { containers: { name: string; tags: { name: string }[] }[] };
  const container = detail.containers.find((c) => c.tags.length > 0)!;
  const first = async (folder: string) => (await readdir(path.join(dist, folder), { withFileTypes: true })).find((e) => e.isDirectory())?.name;
  const label = await first('labels');
  const topic = await first('topics');
  const word = container.name.split(/[^a-z]+/)[0] || container.name;
  const pages: Record<string, string> = {
    home: '/',
    collections: '/collections/',
    collection: `/collections/${collection}/`,
    container: `/collections/${collection}/${container.name}/`,
    tag: `/collections/${collection}/${container.name}/${container.tags[0]!.name}/`,
    search: `/search/?q=${encodeURIComponent(word)}`,
    sizes: '/sizes/',
    labels: '/labels/',
    ...(label ? { label: `/labels/${label}/` } : {}),
    topics: '/topics/',
    ...(topic ? { topic: `/topics/${topic}/` } : {}),
    stars: '/stars/',
    downloads: '/downloads/',
    about: '/about/',
    schemas: '/api/v1/schema/',
  };
  return Object.fromEntries(Object.entries(pages).map(([kind, sitePath]) => [kind, base + sitePath]));
}

interface Row {
  registry: string;
  kind: string;
  scores: Record<string, number>;
  /** Audits short of a perfect score in a category that misses its target. */
  failing: string[];
}

async function audit(name: string, registryDir: string, outDir: string): Promise<Row[]> {
  const started = performance.now();
  const build = await buildSite({ registryDir, outDir, quiet: true });
  console.log(`${name}: built ${build.site.counts.tags.toLocaleString('en')} tags in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const base = basePath(build.site.config);
  const server = await startStaticServer({ root: outDir, base });
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const rows: Row[] = [];
  try {
    for (const [kind, sitePath] of Object.entries(await pageKinds(outDir, base))) {
      const url = `${server.url.slice(0, server.url.length - base.length)}${sitePath}`;
      // The median of `runs` audits per category: performance varies from run to run.
      const samples: Record<string, number[]> = {};
      const failing = new Map<string, Set<string>>();
      for (let run = 0; run < runs; run++) {
        const result = await lighthouse(url, { port: chrome.port, logLevel: 'error', output: 'json', onlyCategories: Object.keys(TARGETS) });
        if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
        if (result.lhr.runtimeError) throw new Error(`${url}: ${result.lhr.runtimeError.message}`);
        for (const [id, category] of Object.entries(result.lhr.categories)) {
          (samples[id] ??= []).push(Math.round((category.score ?? 0) * 100));
          for (const ref of category.auditRefs) {
            const audit = result.lhr.audits[ref.id];
            if (ref.weight > 0 && audit && audit.score !== null && audit.score < 1) {
              if (!failing.has(id)) failing.set(id, new Set());
              failing.get(id)!.add(`${id}: ${audit.title}${audit.displayValue ? ` (${audit.displayValue})` : ''}`);
            }
          }
        }
      }
      const scores = Object.fromEntries(Object.entries(samples).map(([id, values]) => [id, values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!]));
      const missed = [...failing].filter(([id]) => (scores[id] ?? 0) < TARGETS[id]!);
      const row = { registry: name, kind, scores, failing: missed.flatMap(([, audits]) => [...audits]) };
      rows.push(row);
      console.log(formatRow(row, sitePath));
    }
  } finally {
    chrome.kill();
    await server.close();
  }
  return rows;
}

function formatRow(row: Row, sitePath: string): string {
  const cells = Object.keys(TARGETS).map((id) => {
    const score = row.scores[id] ?? 0;
    const text = `${id} ${score}`;
    return score >= TARGETS[id]! ? text : styleText('red', `${text} < ${TARGETS[id]}`);
  });
  return `  ${row.kind.padEnd(12)} ${cells.join('  ')}  ${sitePath}${row.failing.map((f) => `\n      ${f}`).join('')}`;
}

const rows: Row[] = [];
rows.push(...(await audit('example registry', path.join(PACKAGE_ROOT, 'registry'), path.join(workdir, 'example-dist'))));
if (tags > 0) {
  const generated = await generateRegistry(path.join(workdir, 'bench'), { tags, seed: 1 });
  rows.push(...(await audit(`${tags.toLocaleString('en')}-tag registry`, generated.registry, path.join(workdir, 'bench-dist'))));
}
const below = rows.flatMap((row) => Object.entries(TARGETS).filter(([id, target]) => (row.scores[id] ?? 0) < target).map(([id]) => `${row.registry} ${row.kind} ${id}`));
console.log(below.length === 0 ? styleText('green', `✔ Every page kind meets every target (${Object.entries(TARGETS).map(([id, t]) => `${id} ≥ ${t}`).join(', ')}).`) : styleText('red', `✖ Below target: ${below.join('; ')}`));
console.log(JSON.stringify({ targets: TARGETS, rows }));
if (!values.workdir) await rm(workdir, { recursive: true, force: true });
process.exit(below.length === 0 ? 0 : 1);
