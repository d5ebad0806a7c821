import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuildCache } from '../../src/output/build-cache-fs.ts';
import { image, tagRecord, TempRepo } from '../helpers/git-repo.ts';

// A build killed (SIGKILL: no handler runs) at any moment, including every step of the swap,
// leaves dist/ one complete site, the old or the new, and the next build removes what the killed
// one left behind.

const CHILD = fileURLToPath(new URL('../helpers/build-child.ts', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../../node_modules/.sifhub/', import.meta.url));

let repo: TempRepo;
const commits: Record<'old' | 'new', string> = { old: '', new: '' };
const sites: Record<'old' | 'new', string> = { old: '', new: '' };

/**
 * A site's identity: every file under dist (through the link) with its content's hash. The search
 * index is the exception: pagefind's chunk names vary between equal builds, so it counts as
 * present when its entry file names a meta file that exists.
 */
async function fingerprint(dist = path.join(repo.dir, 'dist')): Promise<string> {
  const entries = await readdir(dist, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.relative(dist, path.join(e.parentPath, e.name))).sort();
  const hash = createHash('sha256');
  for (const file of files.filter((f) => !f.startsWith('pagefind/'))) hash.update(file).update('\0').update(await readFile(path.join(dist, file))).update('\0');
  const entry = JSON.parse(await readFile(path.join(dist, 'pagefind/pagefind-entry.json'), 'utf8')) as { languages: Record<string, { hash: string }> };
  for (const { hash: meta } of Object.values(entry.languages)) expect(files).toContain(`pagefind/pagefind.${meta}.pf_meta`);
  return hash.digest('hex');
}

/** Runs the build child; with `killAt`, SIGKILLs it `delayMs` after it announces that stage. */
function build(killAt?: { stage: string; delayMs: number }): Promise<{ killed: boolean; pid: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, 'registry', 'dist'], { cwd: repo.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GITHUB_TOKEN: '' } });
    let output = '';
    let killed = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (killAt && !killed && output.includes(`stage ${killAt.stage}\n`)) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), killAt.delayMs);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`build failed (${code}): ${output}`));
      else resolve({ killed: signal === 'SIGKILL', pid: child.pid!, output });
    });
  });
}

async function checkout(version: 'old' | 'new'): Promise<void> {
  await repo.git('checkout', '-q', commits[version]);
}

beforeAll(async () => {
  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': 'name: Kill test\nurl: https://lab.example.org\n',
    'registry/alpha/tool/1.0.md': tagRecord(image(1)),
    'registry/beta/viewer/1.0.md': tagRecord(image(2)),
    'registry/gamma/pipeline/2.0.md': tagRecord(image(3)),
  });
  commits.old = await repo.commit('old', '2024-01-01T00:00:00Z');
  await repo.write({ 'registry/beta/viewer/1.1.md': tagRecord(image(4)) });
  commits.new = await repo.commit('new', '2024-02-01T00:00:00Z');

  // An older sifhub's plain dist/ folder becomes the link on the first build.
  await mkdir(path.join(repo.dir, 'dist'));
  await writeFile(path.join(repo.dir, 'dist', 'index.html'), 'an older build');
  await checkout('new');
  await build();
  sites.new = await fingerprint();
  await checkout('old');
  await build();
  sites.old = await fingerprint();
  expect(sites.old).not.toBe(sites.new);
}, 120_000);

afterAll(() => repo?.dispose());

describe('a build killed at any moment', () => {
  it('leaves dist/ the old complete site or the new one, and the next build cleans up', async () => {
    const moments: { stage: string; delayMs: number }[] = [
      { stage: 'pages', delayMs: 300 },
      { stage: 'write', delayMs: 0 },
      { stage: 'search index', delayMs: 0 },
      { stage: 'swap', delayMs: 0 },
      { stage: 'swap: assemble', delayMs: 0 },
      { stage: 'swap: assemble', delayMs: 2 },
      { stage: 'swap: assemble', delayMs: 5 },
      { stage: 'swap: cache', delayMs: 0 },
      { stage: 'swap: switch', delayMs: 0 },
      { stage: 'swap: switch', delayMs: 1 },
      { stage: 'swap: switch', delayMs: 3 },
    ];
    let state: 'old' | 'new' = 'old';
    const seen = new Set<string>();
    const killedPids: number[] = [];
    for (const moment of moments) {
      const target = state === 'old' ? 'new' : 'old';
      await checkout(target);
      const run = await build(moment);
      if (run.killed) killedPids.push(run.pid);
      const now = await fingerprint();
      expect([sites.old, sites.new], `killed at ${moment.stage} +${moment.delayMs} ms`).toContain(now);
      state = now === sites.new ? 'new' : 'old';
      seen.add(`${moment.stage}: ${state === target ? 'new' : 'old'}`);
    }
    expect(killedPids.length).toBeGreaterThan(moments.length / 2);
    // Some kills landed before the switch (old site kept) and, across the swap, some after.
    expect([...seen].some((s) => s.endsWith(': old'))).toBe(true);

    // The next complete build removes the killed builds' folders, here and in node_modules/.sifhub/.
    // Beside the current site it keeps at most the spare its cache names (a complete site too).
    await checkout('new');
    await build();
    expect(await fingerprint()).toBe(sites.new);
    const dist = path.join(repo.dir, 'dist');
    const kept = async () => [path.basename(await realpath(dist)), ...[(await readBuildCache(dist)).spare?.site].flatMap((site) => (site ? [path.basename(site)] : []))].sort();
    expect((await readdir(path.join(repo.dir, '.dist-sites'))).sort()).toEqual(await kept());
    // One more build has a spare for certain: the site it replaced.
    const replaced = await realpath(dist);
    await build();
    expect((await readBuildCache(dist)).spare?.site).toBe(replaced);
    expect((await readdir(path.join(repo.dir, '.dist-sites'))).sort()).toEqual(await kept());
    expect(await fingerprint(replaced)).toBe(sites.new);
    const scratch = await readdir(SCRATCH).catch(() => [] as string[]);
    expect(scratch.filter((name) => killedPids.some((pid) => name.startsWith(`pages-${pid}-`)))).toEqual([]);
  }, 300_000);
});
