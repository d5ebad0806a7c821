#!/usr/bin/env node
// `npm run bench -- --tags N [--workdir DIR] [--seed S] [--no-peers]`: generate a synthetic
// registry as a real git repository, build it as `sifhub build` does (every stage), change one
// record and rebuild, twice, and print wall time and peak memory per stage, output size, and the
// budgets of DESIGN §6. With `jekyll` and `hugo` on the PATH, each renders the same
// pages from the same records (src/bench/peer-sites.ts) and the ratios are printed. The last line
// is one JSON object for machines. Each build runs in a fresh process, as in CI.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs, promisify, styleText } from 'node:util';
import { createGzip } from 'node:zlib';
import { generateRegistry } from '../src/bench/generate-registry-git.ts';
import { runPeers, type PeerRun } from '../src/bench/peer-sites.ts';
import { loadSite } from '../src/pipeline/load-site.ts';
import { loadRecords } from '../src/records/load-records-fs.ts';
import { startMemoryProbe } from '../src/bench/measure-memory-node.ts';
import { BUILD_NODE_OPTIONS, keepCompiledModules } from '../src/package-root-node.ts';
import { measureDir, sitesDir } from '../src/output/write-output-fs.ts';
import { formatBytes } from '../src/site/format.ts';

const run = promisify(execFile);

interface BuildReport {
  seconds: number;
  peakRssBytes: number;
  stages: { stage: string; seconds: number; peakRssBytes: number }[];
  searchIndexBytes: number;
}

/** DESIGN §6 and issues 6 and 18, by registry size. */
const BUDGETS: Record<number, { seconds: number; rssBytes: number; rebuildSeconds: number; siteBytes?: number }> = {
  10_000: { seconds: 20, rssBytes: 2 * 1024 ** 3, rebuildSeconds: 3 },
  100_000: { seconds: 240, rssBytes: 3 * 1024 ** 3, rebuildSeconds: 10, siteBytes: 1024 ** 3 },
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tags: { type: 'string' },
      workdir: { type: 'string' },
      seed: { type: 'string', default: '1' },
      // Internal: one build in this process, reported as JSON on the last line.
      'child-build': { type: 'boolean', default: false },
      registry: { type: 'string' },
      out: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      'no-peers': { type: 'boolean', default: false },
    },
  });
  if (values['child-build']) return childBuild(values.registry!, values.out!, values.fresh);

  const tags = Number(values.tags);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(tags) || tags < 1) {
    console.error('Usage: npm run bench -- --tags N [--workdir DIR] [--seed S] [--no-peers]   (e.g. --tags 10000)');
    return 2;
  }
  const workdir = path.resolve(values.workdir ?? (await mkdtemp(path.join(tmpdir(), 'sifhub-bench-'))));
  const registry = path.join(workdir, 'registry');
  const out = path.join(workdir, 'dist');
  console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${formatBytes(totalmem())} RAM (${formatBytes(freemem())} free), Node ${process.versions.node}`);

  // The same seed and size give the same repository: reuse it when it is already there.
  const marker = path.join(workdir, '.bench.json');
  const wanted = JSON.stringify({ tags, seed, generator: 3 });
  const existing = await readFile(marker, 'utf8').catch(() => '');
  if (existing.startsWith(wanted.slice(0, -1))) {
    console.log(`Reusing the registry in ${registry}`);
  } else {
    await rm(workdir, { recursive: true, force: true });
    const started = performance.now();
    const generated = await generateRegistry(workdir, { tags, seed });
    await writeFile(marker, `${wanted.slice(0, -1)},"generated":${JSON.stringify(generated)}}\n`);
    console.log(
      `Generated ${generated.tags.toLocaleString('en')} tags in ${generated.containers.toLocaleString('en')} containers and ${generated.collections.toLocaleString('en')} collections, ` +
        `${generated.commits.toLocaleString('en')} commits, ${generated.moved.toLocaleString('en')} tags moved (${seconds(performance.now() - started)})`,
    );
  }
  console.log(`Rebuild it yourself: node scripts/sifhub.ts build --registry ${registry} --out ${out}\n`);

  // The full build starts from nothing, as a registry's first build does: no site, no spare.
  await rm(out, { recursive: true, force: true });
  await rm(sitesDir(out), { recursive: true, force: true });
  const full = await buildInChild(registry, out, true);
  const { files, bytes } = await measureDir(out);
  const upload = await measureUpload(out);
  printStages('Full build', full);

  // One record changes: a tag moves to a rebuilt image, as a merged pull request does. The first
  // rebuild after a full build has no spare site to update yet (it links a whole new one); every
  // later one updates the site before last in place, and that steady state is the figure.
  const first = await buildInChild(registry, out, false, await changeOneRecord(workdir, registry, 1 / 3));
  printStages(`First rebuild after the full build (${first.changed})`, first);
  const incremental = await buildInChild(registry, out, false, await changeOneRecord(workdir, registry, 2 / 3));
  printStages(`One-record rebuild (${incremental.changed})`, incremental);

  // The peers render the same pages from the same records, on the same disk, in the same run.
  const peers = values['no-peers'] ? [] : await buildPeers(registry, path.join(workdir, 'peers'));
  const budget = BUDGETS[tags];
  const check = (ok: boolean) => (ok ? styleText('green', '✔') : styleText('red', '✖'));
  console.log(`\nOutput: ${files.toLocaleString('en')} files, ${formatBytes(bytes)} = ${(bytes / 1e9).toFixed(2)} GB (search index ${formatBytes(full.searchIndexBytes)})`);
  console.log(`Upload to GitHub Pages: a ${formatBytes(upload.tarBytes)} tar, ${formatBytes(upload.compressedBytes)} compressed, as actions/upload-pages-artifact sends it`);
  console.log(`Full build: ${full.seconds.toFixed(1)} s, peak RSS ${formatBytes(full.peakRssBytes)}${budget ? `  ${check(full.seconds <= budget.seconds)} ≤ ${budget.seconds} s  ${check(full.peakRssBytes <= budget.rssBytes)} ≤ ${formatBytes(budget.rssBytes)}` : ''}`);
  console.log(`One-record rebuild: ${incremental.seconds.toFixed(1)} s = ${((incremental.seconds / full.seconds) * 100).toFixed(0)}% of the full build${budget ? `  ${check(incremental.seconds <= budget.rebuildSeconds)} ≤ ${budget.rebuildSeconds} s` : ''} (the first after a full build: ${first.seconds.toFixed(1)} s)`);
  const pages = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.html') && !f.startsWith('api/')).length;
  if (peers.length === 0 && !values['no-peers']) console.log('Peers: neither jekyll nor hugo is on the PATH (Debian: apt-get install jekyll hugo)');
  for (const peer of peers) {
    const ratio = full.seconds / peer.seconds;
    console.log(
      `${`${peer.name} ${peer.version}:`.padEnd(16)} ${peer.seconds.toFixed(1)} s for ${peer.pages.toLocaleString('en')} pages (sifhub: ${pages.toLocaleString('en')} pages, with manifests, API and search index): sifhub's full build is ${ratio.toFixed(2)}× ${peer.name}'s` +
        (peer.name === 'Jekyll' ? `  ${check(ratio < 1)} < 1×` : `  ${check(ratio <= 2)} ≤ 2×`),
    );
  }
  // GitHub's "1 GB" is 1,073,741,824 bytes where it checks (actions/deploy-pages compares the
  // uploaded artifact with it); the published site is held to the same.
  if (budget?.siteBytes) console.log(`Site size: ${formatBytes(bytes)}  ${check(bytes < budget.siteBytes)} < ${formatBytes(budget.siteBytes)} (GitHub Pages' 1 GB); upload ${formatBytes(upload.compressedBytes)}  ${check(upload.compressedBytes < budget.siteBytes)}`);
  console.log(
    JSON.stringify({
      tags,
      buildSeconds: round(full.seconds),
      peakRssBytes: full.peakRssBytes,
      files,
      bytes,
      tarBytes: upload.tarBytes,
      uploadBytes: upload.compressedBytes,
      searchIndexBytes: full.searchIndexBytes,
      incrementalSeconds: round(incremental.seconds),
      firstRebuildSeconds: round(first.seconds),
      peers: peers.map((p) => ({ ...p, seconds: round(p.seconds), ratio: round(full.seconds / p.seconds) })),
      incrementalPeakRssBytes: incremental.peakRssBytes,
      stages: full.stages.map((s) => ({ ...s, seconds: round(s.seconds) })),
      incrementalStages: incremental.stages.map((s) => ({ ...s, seconds: round(s.seconds) })),
    }),
  );
  return 0;
}

/**
 * The site as actions/upload-pages-artifact uploads it: GNU tar of the folder (its very flags),
 * which actions/upload-artifact then deflates at level 6 into the artifact whose size
 * actions/deploy-pages checks. gzip at level 6 is the same deflate.
 */
async function measureUpload(dir: string): Promise<{ tarBytes: number; compressedBytes: number }> {
  const tar = spawn('tar', ['--dereference', '--hard-dereference', '--directory', dir, '-cf', '-', '--exclude=.git', '--exclude=.github', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', resolve);
  });
  let tarBytes = 0;
  let compressedBytes = 0;
  await pipeline(
    tar.stdout,
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        tarBytes += chunk.length;
        done(null, chunk);
      },
    }),
    createGzip({ level: 6 }),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        compressedBytes += chunk.length;
        done();
      },
    }),
  );
  const code = await exited;
  if (code !== 0) throw new Error(`tar exited with ${code} while measuring ${dir}`);
  return { tarBytes, compressedBytes };
}

async function childBuild(registry: string, out: string, fresh: boolean): Promise<number> {
  // As `sifhub build` starts: Node's compile cache on before the build's modules load.
  keepCompiledModules();
  const { buildSite } = await import('../src/pipeline/build.ts');
  const probe = startMemoryProbe();
  const result = await buildSite({ registryDir: registry, outDir: out, quiet: true, fresh, onStage: (stage) => probe.stage(stage) });
  // From the process's start, as a user waits for `sifhub build`: loading its modules included.
  const seconds = performance.now() / 1000;
  const memory = await probe.stop();
  const report: BuildReport = {
    seconds,
    peakRssBytes: memory.peak,
    stages: result.timings.map((t) => ({ stage: t.stage, seconds: t.seconds, peakRssBytes: memory.byStage.get(t.stage) ?? 0 })),
    searchIndexBytes: result.searchBytes,
  };
  console.log(JSON.stringify(report));
  return 0;
}

/** Jekyll's and Hugo's cold builds of the same pages, from the records as sifhub reads them. */
async function buildPeers(registry: string, dir: string): Promise<PeerRun[]> {
  const loaded = await loadRecords(registry);
  if (!loaded.checked.ok) throw new Error(`the bench registry does not validate: ${JSON.stringify(loaded.checked.problems.slice(0, 3))}`);
  const site = await loadSite({ registryDir: registry, loaded });
  const runs = await runPeers(site, loaded.checked.registry, dir);
  await rm(dir, { recursive: true, force: true });
  return runs;
}

/** `fresh`: nothing kept from an earlier build is used (the full build is measured cold). */
function buildInChild(registry: string, out: string, fresh: boolean): Promise<BuildReport>;
function buildInChild(registry: string, out: string, fresh: boolean, changed: string): Promise<BuildReport & { changed: string }>;
function buildInChild(registry: string, out: string, fresh: boolean, changed?: string): Promise<BuildReport & { changed?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILD_NODE_OPTIONS, import.meta.filename, '--child-build', '--registry', registry, '--out', out, ...(fresh ? ['--fresh'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`the build failed (exit ${code}):\n${stdout.slice(-4000)}`));
      else resolve({ ...(JSON.parse(last) as BuildReport), changed });
    });
  });
}

/** Moves the tag record at `at` (a fraction of the sorted list) to a rebuilt image and commits; its path. */
async function changeOneRecord(workdir: string, registry: string, at: number): Promise<string> {
  const git = (...args: string[]) => run('git', args, { cwd: workdir, maxBuffer: 1024 ** 3, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  const { stdout } = await git('ls-files', '--', 'registry/*.md');
  const records = stdout.split('\n').filter((f) => f.split('/').length === 4 && !f.endsWith('README.md'));
  const file = records[Math.floor(records.length * at)]!;
  const text = await readFile(path.join(workdir, file), 'utf8');
  const stamp = Date.now().toString(16);
  const sha256 = `${stamp}${'b'.repeat(64)}`.slice(0, 64);
  const md5 = `${stamp}${'c'.repeat(32)}`.slice(0, 32);
  await writeFile(
    path.join(workdir, file),
    // A rebuilt image: new bytes, size and build date, and one label that says so.
    text
      .replace(/^url: .*$/m, `url: https://images.example.org/sha256/${sha256}.sif`)
      .replace(/^sha256: .*$/m, `sha256: "${sha256}"`)
      .replace(/^md5: .*$/m, `md5: "${md5}"`)
      .replace(/^size: (\d+)$/m, (_, size: string) => `size: ${Number(size) + 4096}`)
      .replace(/^created: .*$/m, `created: "${new Date().toISOString()}"`)
      .replace(/^(labels:\n {2}[^:\n]+: ).*$/m, `$1"rebuilt ${stamp}"`),
  );
  await git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.org', 'commit', '-qam', `Move ${file} to a rebuilt image`);
  return path.relative(registry, path.join(workdir, file));
}

function printStages(title: string, report: BuildReport): void {
  console.log(`${title}: ${report.seconds.toFixed(1)} s, peak RSS ${formatBytes(report.peakRssBytes)}`);
  for (const s of report.stages) console.log(`  ${s.stage.padEnd(14)} ${s.seconds.toFixed(2).padStart(8)} s   ${formatBytes(s.peakRssBytes).padStart(10)}`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const round = (n: number) => Math.round(n * 100) / 100;

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(70);
  },
);
