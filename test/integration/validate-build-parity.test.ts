import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runSifhub, withoutPlaceholderWarning } from '../helpers/cli.ts';
import { image, REGISTRY_YML, tagRecord, TempRepo } from '../helpers/git-repo.ts';

// The pull-request check promises that nothing it passes stops the build. Both compute one site
// plan, so for every refusal the build can make, `validate` must refuse with the same words, and
// a registry `validate` passes must build. Each case is a committed registry (history included).

let repo: TempRepo;
afterEach(() => repo?.dispose());

type Step = Record<string, string>;

const sameMd5 = (n: number, md5Of: number) => ({ ...image(n), md5: image(md5Of).md5 });

const CASES: { name: string; steps: Step[] }[] = [
  { name: 'a record that fails its schema', steps: [{ 'registry/lab/tool/1.0.md': tagRecord({ ...image(1), sha256: 'abc' }) }] },
  { name: 'one sha256 with two md5s', steps: [{ 'registry/lab/tool/1.0.md': tagRecord(image(1)), 'registry/lab/tool/2.0.md': tagRecord({ ...image(1), md5: image(2).md5 }) }] },
  { name: 'two images sharing an md5 (one pin for two images)', steps: [{ 'registry/lab/tool/1.0.md': tagRecord(image(1)), 'registry/lab/tool/2.0.md': tagRecord(sameMd5(2, 1)) }] },
  {
    name: 'an md5 a tag held before, now another image\'s',
    steps: [{ 'registry/lab/tool/1.0.md': tagRecord(image(1)) }, { 'registry/lab/tool/1.0.md': tagRecord(image(3)), 'registry/lab/tool/2.0.md': tagRecord(sameMd5(2, 1)) }],
  },
  {
    name: 'library: site over its byte budget, per image and in all',
    steps: [
      {
        'registry/registry.yml': `${REGISTRY_YML}library: site\nlibrarySite:\n  maxImage: 1500\n  maxTotal: 9000\n`,
        'registry/lab/tool/1.0.md': tagRecord(image(1)),
        'registry/lab/tool/2.0.md': tagRecord({ ...image(2), size: 4000 }),
      },
    ],
  },
  { name: 'an unknown setting in registry.yml', steps: [{ 'registry/registry.yml': `${REGISTRY_YML}librarySite: { maxTotal: "1 GB" }\n`, 'registry/lab/tool/1.0.md': tagRecord(image(1)) }] },
];

async function registryWith(steps: Step[]): Promise<TempRepo> {
  repo = await TempRepo.create();
  await repo.write({ 'registry/registry.yml': REGISTRY_YML, 'registry/lab/README.md': '---\nowners: [ada]\n---\n' });
  let day = 1;
  for (const step of steps) {
    await repo.write(step);
    await repo.commit(`step ${day}`, `2024-01-0${day++}T00:00:00Z`);
  }
  return repo;
}

describe('validate and build agree', () => {
  for (const { name, steps } of CASES) {
    it(`refuse alike: ${name}`, async () => {
      await registryWith(steps);
      const [validate, build] = await Promise.all([runSifhub(['validate'], repo.dir), runSifhub(['build', '--quiet', '--out', 'dist'], repo.dir)]);
      expect(validate.stderr).toMatch(/^✖ \d+ problems? in/);
      expect(validate.code).toBe(1);
      expect(build.code).toBe(1);
      expect(withoutPlaceholderWarning(build.stderr)).toBe(validate.stderr);
      // Nothing half-written: a refused build leaves no site.
      expect((await readdir(repo.dir)).filter((f) => f.includes('dist'))).toEqual([]);
    }, 60_000);
  }

  it('names both records and the pin they would share', async () => {
    await registryWith(CASES[2]!.steps);
    const { stderr } = await runSifhub(['validate'], repo.dir);
    expect(stderr).toContain('registry/lab/tool/2.0.md');
    expect(stderr).toContain(`two different images with md5 ${image(1).md5}`);
  });

  it('names the budget, the setting and the records that fill it', async () => {
    await registryWith(CASES[4]!.steps);
    const { stderr } = await runSifhub(['validate'], repo.dir);
    expect(stderr).toContain('over the 1.46 KiB an image may have when the site serves it itself (library: site)');
    expect(stderr).toContain('raise librarySite.maxTotal in registry.yml');
    expect(stderr).toMatch(/the most: registry\/lab\/tool\/2\.0\.md \(\d/);
  });

  it('pass alike: within the budget, the same registry builds', async () => {
    await registryWith([{ 'registry/lab/tool/1.0.md': tagRecord(image(1)), 'registry/lab/tool/2.0.md': tagRecord(image(2)) }]);
    const [validate, build] = await Promise.all([runSifhub(['validate'], repo.dir), runSifhub(['build', '--quiet', '--out', 'dist'], repo.dir)]);
    expect(validate.code).toBe(0);
    expect(build.stderr.replace(/^! url is .*\n/m, '')).toBe('');
    expect(build.code).toBe(0);
  }, 60_000);

  it('build --json says what it built, or every problem, on stdout, and warns when the library form cannot work on the host', async () => {
    await registryWith([{ 'registry/registry.yml': 'name: T\nurl: https://lab.github.io/registry\nlibrary: nginx\n', 'registry/lab/tool/1.0.md': tagRecord(image(1)) }]);
    const built = await runSifhub(['build', '--json', '--out', 'dist'], repo.dir);
    expect(built.code, built.stderr).toBe(0);
    const json = JSON.parse(built.stdout) as { ok: boolean; counts: { tags: number }; files: { manifests: number }; warnings: string[] };
    expect(json).toMatchObject({ ok: true, counts: { tags: 1 }, files: { manifests: 5 } }); // 1.0, latest, each pinned, and the md5 alone
    expect(json.warnings).toEqual([
      expect.stringContaining('library: nginx needs a host that redirects, but url is on GitHub Pages (lab.github.io), which serves files only'),
      // And a project site has no host root for oras:// clients to ask /v2/ at.
      expect.stringContaining('no oras:// pulls (nor shpc\'s library.json): clients ask for /v2/ at the host\'s root, and a GitHub Pages project site lives under /registry'),
    ]);
    await repo.write({ 'registry/lab/tool/2.0.md': tagRecord({ ...image(2), md5: image(1).md5 }) });
    const refused = await runSifhub(['build', '--json', '--out', 'dist'], repo.dir);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, problems: [expect.objectContaining({ message: expect.stringContaining('two different images with md5') })] });
  }, 60_000);
});
