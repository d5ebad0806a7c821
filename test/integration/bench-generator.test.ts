import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRegistry, type GeneratedRegistry } from '../../src/bench/generate-registry-git.ts';
import { loadSite } from '../../src/pipeline/load-site.ts';
import type { Site } from '../../src/model/types.ts';

// The benchmark is only as good as its registry: it must be one the real build accepts, with the
// history and proportions the issue asks for. (Its timings are printed by `npm run bench`, never
// asserted here.)

let dir: string;
let generated: GeneratedRegistry;
let site: Site;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sifhub-bench-test-'));
  generated = await generateRegistry(dir, { tags: 600, seed: 7 });
  site = await loadSite({ registryDir: generated.registry });
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the benchmark registry', () => {
  it('is a valid registry with exactly the tags asked for', () => {
    expect(site.counts.tags).toBe(600);
    expect(generated.tags).toBe(600);
    expect(site.counts.containers).toBe(generated.containers);
  });

  it('is a real git history: one commit per submission and per move, about a fifth of the tags moved', async () => {
    const { stdout } = await promisify(execFile)('git', ['rev-list', '--count', 'HEAD'], { cwd: dir });
    expect(Number(stdout)).toBe(generated.commits);
    const tags = site.collections.flatMap((c) => c.containers.flatMap((n) => n.tags));
    const moved = tags.filter((t) => t.versions.length > 1).length;
    expect(moved).toBe(generated.moved);
    expect(moved / tags.length).toBeGreaterThan(0.12);
    expect(moved / tags.length).toBeLessThan(0.22);
  });

  it('has mostly small containers, definitions of 0.5–5 KB and 5–15 labels', () => {
    const containers = site.collections.flatMap((c) => c.containers);
    const small = containers.filter((c) => c.tags.length <= 3).length;
    expect(small / containers.length).toBeGreaterThan(0.8);
    for (const tag of containers.flatMap((c) => c.tags)) {
      expect(tag.record.definition!.length).toBeGreaterThanOrEqual(400);
      expect(tag.record.definition!.length).toBeLessThanOrEqual(5300);
      expect(Object.keys(tag.record.labels!).length).toBeGreaterThanOrEqual(5);
      expect(Object.keys(tag.record.labels!).length).toBeLessThanOrEqual(15);
    }
  });

  it('is the same registry for the same seed', async () => {
    const again = await mkdtemp(path.join(tmpdir(), 'sifhub-bench-test-'));
    try {
      const second = await generateRegistry(again, { tags: 600, seed: 7 });
      const head = async (cwd: string) => (await promisify(execFile)('git', ['rev-parse', 'HEAD^{tree}'], { cwd })).stdout;
      expect(await head(again)).toBe(await head(dir));
      expect(second.commits).toBe(generated.commits);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});
