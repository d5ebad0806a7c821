import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubAccessFromEnv, makeOctokit, type GitHubAccess } from '../../src/github/octokit.ts';
import { fetchUsage, type UsageRequest } from '../../src/pipeline/fetch-usage-github.ts';
import { apiCollection, apiCollectionsIndex } from '../../src/schema/api.ts';
import { runSifhub, type CliResult } from '../helpers/cli.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { image, tagRecord, TempRepo } from '../helpers/git-repo.ts';
import { visibleText } from '../helpers/html.ts';

// Usage counts: downloads of release assets and 👍 stars, read from a stand-in for
// GitHub's REST API that answers with its real response shapes; and what an outage does.

const release = (repo: string, tag: string, asset: string) => `https://github.com/${repo}/releases/download/${tag}/${asset}`;

// 130 releases: the client must follow the Link header past the first page of 100.
const manyReleases = Array.from({ length: 130 }, (_, i) => ({ tag: `v${130 - i}`, assets: [{ name: 'tool.sif', downloads: 1000 + i }, { name: 'tool.sif.sha256', downloads: 5 }] }));

let github: FakeGitHub;
beforeAll(async () => {
  github = await startFakeGitHub({
    releases: {
      'Lab/Tools': manyReleases,
      'lab/data': [{ tag: 'v1', assets: [{ name: 'atlas.sif', downloads: 0 }] }],
    },
    issues: { 'Lab/Registry#7': 42, 'Lab/Registry#8': 0 },
  });
});
afterAll(() => github.close());
afterEach(() => {
  github.mode = 'ok';
  github.requests.length = 0;
});

const access = (): GitHubAccess => ({ apiUrl: github.apiUrl, serverUrl: 'https://github.com', token: 'ghs_test' });

const request: UsageRequest = {
  imageUrls: [
    release('lab/tools', 'v130', 'tool.sif'), // owner and repo spelled in another case than GitHub's
    release('Lab/Tools', 'v1', 'tool.sif'), // on the second page
    release('lab/data', 'v1', 'atlas.sif'),
    'https://images.example.org/other.sif',
  ],
  starsIssues: new Map([
    ['genomics', 7],
    ['imaging', 8],
  ]),
  repository: 'https://github.com/Lab/Registry',
};

describe('fetchUsage', () => {
  it('counts release downloads across pages and 👍 reactions, sending the token', async () => {
    const result = await fetchUsage(request, access());
    expect(result.warning).toBeUndefined();
    expect(Object.fromEntries(result.usage.downloads)).toMatchObject({
      [release('lab/tools', 'v130', 'tool.sif')]: 1000,
      [release('Lab/Tools', 'v1', 'tool.sif')]: 1129,
      [release('lab/data', 'v1', 'atlas.sif')]: 0, // a real 0 stays 0
    });
    expect(result.usage.downloads.has('https://images.example.org/other.sif')).toBe(false);
    expect(Object.fromEntries(result.usage.stars)).toEqual({ genomics: 42, imaging: 0 });
    expect(github.requests.map((r) => r.path.replace(/\?.*/, '')).sort()).toEqual([
      '/repos/Lab/Registry/issues/7',
      '/repos/Lab/Registry/issues/8',
      '/repos/lab/data/releases',
      '/repos/lab/tools/releases',
      expect.stringMatching(/^\/repositories\/\d+\/releases$/),
    ]);
    expect(new Set(github.requests.map((r) => r.authorization))).toEqual(new Set(['token ghs_test']));
  });

  it('asks nothing and warns once without a token', async () => {
    const result = await fetchUsage(request, { ...access(), token: undefined });
    expect(github.requests).toEqual([]);
    expect(result.usage.downloads.size + result.usage.stars.size).toBe(0);
    expect(result.warning).toBe('GITHUB_TOKEN is not set, so downloads of 3 images on GitHub releases and stars of 2 collections show "—".');
  });

  it('asks nothing and says nothing when no image is on GitHub and no collection has a stars issue', async () => {
    const result = await fetchUsage({ imageUrls: ['https://images.example.org/a.sif'], starsIssues: new Map() }, access());
    expect(result).toEqual({ usage: { downloads: new Map(), stars: new Map() } });
    expect(github.requests).toEqual([]);
  });

  it('leaves everything unknown in an outage, stops asking after the first failure, and warns once', async () => {
    github.mode = 'outage';
    const manyCollections = new Map(Array.from({ length: 20 }, (_, i) => [`collection${i}`, i + 1] as const));
    const result = await fetchUsage({ ...request, starsIssues: manyCollections }, access());
    expect(result.usage.downloads.size + result.usage.stars.size).toBe(0);
    expect(github.requests.length).toBeLessThan(10); // those already under way, not all 22
    expect(result.warning).toMatch(/other requests skipped after GitHub failed$/);
    expect(result.warning).toMatch(/^Some usage counts from GitHub are unknown and show "—":\n {2}.*GitHub answered 503/);
  });

  it('treats a rate limit as an outage, not as zero', async () => {
    github.mode = 'rate-limited';
    const result = await fetchUsage(request, access());
    expect(result.usage.stars.size).toBe(0);
    expect(result.warning).toMatch(/GitHub answered 403: API rate limit exceeded/);
  });

  it('gives up on a GitHub that never answers', async () => {
    github.mode = 'hang';
    const result = await fetchUsage(request, access(), makeOctokit(access(), { timeoutMs: 300 }));
    expect(result.usage.stars.size).toBe(0);
    expect(result.warning).toMatch(/no answer from GitHub: .*timeout/);
  });

  it('names what is missing and still counts the rest', async () => {
    const result = await fetchUsage(
      {
        imageUrls: [release('lab/data', 'v1', 'atlas.sif'), release('lab/data', 'v2', 'gone.sif'), release('lab/vanished', 'v1', 'x.sif')],
        starsIssues: new Map([['genomics', 7], ['imaging', 99]]),
        repository: 'https://github.com/Lab/Registry',
      },
      access(),
    );
    expect(Object.fromEntries(result.usage.downloads)).toMatchObject({ [release('lab/data', 'v1', 'atlas.sif')]: 0 });
    expect(result.usage.downloads.has(release('lab/data', 'v2', 'gone.sif'))).toBe(false);
    expect(Object.fromEntries(result.usage.stars)).toEqual({ genomics: 42 });
    expect(result.warning?.split('\n').slice(1).sort()).toEqual([
      '  imaging: issue #99 in Lab/Registry: not found (or not visible to this token)',
      '  lab/data: 1 image URL is not an asset of any of its releases',
      '  lab/vanished releases: not found (or not visible to this token)',
    ]);
  });

  it('reads the API address and token the way Actions sets them', () => {
    expect(githubAccessFromEnv({ GITHUB_API_URL: 'https://ghe.example.org/api/v3/', GITHUB_SERVER_URL: 'https://ghe.example.org', GITHUB_TOKEN: 't' })).toEqual({
      apiUrl: 'https://ghe.example.org/api/v3',
      serverUrl: 'https://ghe.example.org',
      token: 't',
    });
    expect(githubAccessFromEnv({})).toEqual({ apiUrl: 'https://api.github.com', serverUrl: 'https://github.com', token: undefined });
  });
});

describe('sifhub build with usage counts', () => {
  let repo: TempRepo;
  const page = (p: string) => readFile(path.join(repo.dir, 'dist', p), 'utf8');
  const json = async (p: string) => JSON.parse(await page(p)) as unknown;
  const build = (env: Record<string, string>) => runSifhub(['build', '--quiet'], repo.dir, { GITHUB_API_URL: github.apiUrl, GITHUB_SERVER_URL: 'https://github.com', ...env });

  beforeAll(async () => {
    repo = await TempRepo.create();
    await repo.write({
      'registry/registry.yml': 'name: Lab registry\nurl: https://lab.github.io/registry\nrepository: https://github.com/Lab/Registry\n',
      'registry/genomics/README.md': '---\nsummary: Genomics tools\nstarsIssue: 7\n---\n',
      'registry/imaging/README.md': '---\nsummary: Imaging tools\nstarsIssue: 8\n---\n',
      'registry/genomics/tool/1.0.md': tagRecord(image(1, release('lab/tools', 'v130', 'tool.sif'))),
      'registry/genomics/tool/0.9.md': tagRecord(image(2, release('lab/tools', 'v1', 'tool.sif'))),
      'registry/imaging/atlas/1.0.md': tagRecord(image(3, release('lab/data', 'v1', 'atlas.sif'))),
      'registry/imaging/viewer/1.0.md': tagRecord(image(4)),
    });
    await repo.commit('add', '2024-01-01T00:00:00Z');
  });
  afterAll(() => repo.dispose());

  let counted: CliResult;
  it('shows downloads and stars on the pages and in the API', async () => {
    counted = await build({ GITHUB_TOKEN: 'ghs_test' });
    expect(counted.stderr).toBe('');
    expect(counted.code).toBe(0);

    const genomics = visibleText(await page('collections/genomics/index.html'));
    expect(genomics).toContain('Stars 42 · ☆ Star this collection');
    expect(genomics).toMatch(/tool 2 [\d.]+ KiB 2,129/); // downloads of both tags
    expect(await page('collections/genomics/index.html')).toContain('href="https://github.com/Lab/Registry/issues/7"');

    const stars = visibleText(await page('stars/index.html'));
    expect(stars.indexOf('genomics')).toBeLessThan(stars.indexOf('imaging'));
    expect(stars).toMatch(/1\s+genomics\s+Genomics tools\s+42/);
    expect(stars).toMatch(/2\s+imaging\s+Imaging tools\s+0/);

    const downloads = visibleText(await page('downloads/index.html'));
    expect(downloads).toMatch(/1\s+genomics\/tool\s+2,129/);
    expect(downloads).toMatch(/2\s+imaging\/atlas\s+0/);
    expect(downloads).not.toContain('imaging/viewer'); // unknown is not ranked as 0

    const lab = apiCollection.parse(await json('api/v1/collections/genomics.json'));
    expect(lab.stars).toBe(42);
    expect(lab.starsIssue).toBe('https://github.com/Lab/Registry/issues/7');
    expect(lab.containers[0]!.tags.map((t) => [t.name, t.downloads])).toEqual([['1.0', 1000], ['0.9', 1129]]);
    const index = apiCollectionsIndex.parse(await json('api/v1/collections.json'));
    expect(index.collections.map((c) => [c.name, c.stars, c.downloads])).toEqual([['genomics', 42, 2129], ['imaging', 0, 0]]);
  });

  it('still builds in an outage, warns once, and shows "—" instead of counts', async () => {
    github.mode = 'outage';
    const outage = await build({ GITHUB_TOKEN: 'ghs_test' });
    expect(outage.code).toBe(0);
    expect(outage.stderr.match(/^! /gm)).toHaveLength(1);
    expect(outage.stderr).toContain('GitHub answered 503');

    expect(visibleText(await page('collections/genomics/index.html'))).toContain('Stars — · ☆ Star this collection');
    expect(visibleText(await page('stars/index.html'))).toContain('No star counts are known in this build');
    expect(visibleText(await page('downloads/index.html'))).toContain('No download counts are known in this build');
    const lab = apiCollection.parse(await json('api/v1/collections/genomics.json'));
    expect([lab.stars, lab.downloads, lab.containers[0]!.tags[0]!.downloads]).toEqual([null, null, null]);
  });

  it('warns as a workflow command in GitHub Actions', async () => {
    const actions = await build({ GITHUB_TOKEN: '', GITHUB_ACTIONS: 'true' });
    expect(actions.code).toBe(0);
    expect(actions.stdout).toContain('::warning title=sifhub::GITHUB_TOKEN is not set, so downloads of 3 images on GitHub releases and stars of 2 collections show "—".');
  });
});
