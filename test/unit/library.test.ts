import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { FileHistory } from '../../src/git/parse-log.ts';
import { enrich } from '../../src/pipeline/enrich.ts';
import { toLibrary, toLibrarySiteFiles, toImagefileFiles, toRemoteConfig } from '../../src/pipeline/to-library.ts';
import type { RegistryInput, TagInput } from '../../src/records/types.ts';
import type { SiteConfig } from '../../src/schema/site-config.ts';
import { libraryPullCommand, redirectTarget } from '../../src/site/urls.ts';
import { toOci } from '../../src/pipeline/to-oci.ts';
import { netlifyHeaders } from '../../src/hosts/netlify.ts';
import { image, tagRecord, type Image } from '../helpers/git-repo.ts';

const config: SiteConfig = { name: 'T', url: 'https://registry.example.org', library: 'nginx' };

function tag(name: string, img: Image & { yanked?: string; withdrawn?: string }, blob = `blob-${name}`): TagInput {
  return { collection: 'lab', container: 'tool', name, file: `registry/lab/tool/${name}.md`, path: `lab/tool/${name}.md`, blob, record: img, notes: '' };
}

function registry(tags: TagInput[], extra: Partial<SiteConfig> = {}): RegistryInput {
  return {
    display: 'registry',
    config: { ...config, ...extra },
    collections: [{ name: 'lab', record: {}, description: '' }],
    containers: [{ collection: 'lab', name: 'tool', record: {}, description: '' }],
    tags,
    keyFiles: [],
  };
}

const change = (commit: string, date: string, blob: string | null) => ({ commit, date, author: 'Ada', blob });
const pin = (img: Image) => `sha256.${img.sha256}`;

describe('toLibrary', () => {
  it('serves each tag, latest and each image pin under both names, with the hash and size the client checks', () => {
    const [a, b] = [image(1), image(2)];
    const site = enrich(registry([tag('1.0', a), tag('2.0', { ...b, architecture: 'arm64' } as Image)]), { files: [{ path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'blob-1.0')] }, { path: 'lab/tool/2.0.md', changes: [change('c2', '2024-05-01T00:00:00Z', 'blob-2.0')] }], blobs: new Map() });
    const { images, redirects } = toLibrary(site);
    const refs = ['1.0', '2.0', 'latest', pin(a), pin(b)];
    expect(images.map((i) => i.path).sort()).toEqual(refs.flatMap((r) => [`v1/images/lab/tool:${r}`, `v1/images/lab/default/tool:${r}`]).sort());
    const latest = images.find((i) => i.path === 'v1/images/lab/default/tool:latest')!;
    expect(latest.json).toEqual({ data: { id: pin(b), hash: pin(b), size: b.size, arch: 'arm64', uploaded: true, entityName: 'lab', collectionName: 'default', containerName: 'tool', tags: ['2.0', 'latest'], customData: '' } });
    expect(redirects.find((r) => r.path === 'v1/imagefile/lab/tool:1.0')?.to).toBe(a.url);
    expect(redirects.find((r) => r.path === `v1/imagefile/lab/tool:${pin(b)}`)?.to).toBe(b.url);
  });

  it('keeps a pin for every older version and every deleted tag, none for a withdrawn image', () => {
    const [a, b, gone, bad] = [image(1), image(2), image(3), image(4)];
    const history: FileHistory[] = [
      { path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b1'), change('c2', '2024-02-01T00:00:00Z', 'now')] },
      { path: 'lab/tool/old.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b3'), change('c2', '2024-02-01T00:00:00Z', null)] },
    ];
    const site = enrich(registry([tag('1.0', b, 'now'), tag('bad', { ...bad, withdrawn: 'Ships a cryptominer.' })]), { files: history, blobs: new Map([['b1', tagRecord(a)], ['b3', tagRecord(gone)]]) });
    const paths = toLibrary(site).images.map((i) => i.path);
    expect(paths).toContain(`v1/images/lab/tool:${pin(a)}`);
    expect(paths).toContain(`v1/images/lab/default/tool:${pin(gone)}`);
    expect(paths).not.toContain('v1/images/lab/tool:old');
    expect(paths.filter((p) => p.includes(bad.sha256) || p.endsWith(':bad'))).toEqual([]);
  });

  it('lets a yanked image keep only its pin', () => {
    const [a, b] = [image(1), image(2)];
    const site = enrich(registry([tag('1.0', { ...a, yanked: 'Wrong genome.' }), tag('2.0', b)]), { files: [], blobs: new Map() });
    const paths = toLibrary(site).images.map((i) => i.path);
    expect(paths).toContain(`v1/images/lab/tool:${pin(a)}`);
    expect(paths).not.toContain('v1/images/lab/tool:1.0');
    expect(toLibrary(site).images.find((i) => i.path === 'v1/images/lab/tool:latest')?.json.data.hash).toBe(pin(b));
  });

  it('serves no latest when registry.yml says latest: none', () => {
    const site = enrich(registry([tag('1.0', image(1))], { latest: 'none' }), { files: [], blobs: new Map() });
    expect(toLibrary(site).images.map((i) => i.path)).not.toContain('v1/images/lab/tool:latest');
  });
});

describe('the host files', () => {
  const site = (extra: Partial<SiteConfig>) => enrich(registry([tag('1.0', image(1, 'https://images.example.org/a b/$x".sif'))], extra), { files: [], blobs: new Map() });
  const files = (extra: Partial<SiteConfig>) => {
    const s = site(extra);
    return new Map(toLibrarySiteFiles(s.config, toLibrary(s)).map((f) => [f.path, f.text]));
  };

  it('names the site as the library and Apptainer\'s key server, and the API version with arch tags', () => {
    const out = files({ url: 'https://lab.example.org/registry' });
    expect(JSON.parse(toRemoteConfig(site({ url: 'https://lab.example.org/registry', library: 'nginx' }).config, false))).toEqual({ libraryAPI: { uri: 'https://lab.example.org/registry' }, keyserverAPI: { uri: 'https://keys.openpgp.org' } });
    // A registry with signer keys is its own keyserver.
    expect(JSON.parse(toRemoteConfig(site({ url: 'https://lab.example.org/registry' }).config, true)).keyserverAPI).toEqual({ uri: 'https://lab.example.org/registry' });
    expect(JSON.parse(out.get('version')!)).toEqual({ data: { version: 'sifhub', apiVersion: '2.0.0-alpha.2' } });
  });

  it('writes one nginx map line per path, under the path prefix, the target one quoted token', () => {
    const map = files({ url: 'https://lab.example.org/registry' }).get('library-imagefile.map')!;
    expect(map.split('\n')[0]).toBe('"/registry/v1/imagefile/lab/tool:1.0" "https://images.example.org/a%20b/%24x%22.sif";');
    expect(files({}).has('_redirects')).toBe(false);
  });

  it('writes Netlify rules of 303s', () => {
    const rules = files({ library: 'netlify' }).get('_redirects')!;
    expect(rules.split('\n')[0]).toBe('/v1/imagefile/lab/tool:1.0 https://images.example.org/a%20b/%24x%22.sif 303');
    expect(files({ library: 'netlify' }).has('library-imagefile.map')).toBe(false);
  });

  it('sends a Netlify key lookup for one key to that key alone, before the file of every key', async () => {
    const rules = files({ library: 'netlify', url: 'https://lab.example.org/registry' }).get('_redirects')!;
    expect(rules.trimEnd().split('\n').at(-1)).toBe('/registry/pks/lookup search=:search /registry/pks/by-id/:search 200!');
    // As Netlify's own redirector reads it.
    const redirector = createRequire(import.meta.url)('netlify-redirector') as { parsePlain(rules: string, options: object): Promise<{ match(r: object): { to: string; status: number; force: boolean } | null }> };
    const matcher = await redirector.parsePlain(rules, {});
    const request = (query: string) => ({ scheme: 'https', host: 'lab.example.org', path: '/registry/pks/lookup', query, getHeader: () => '', getCookie: () => '' });
    expect(matcher.match(request('op=get&search=0xA20C27EE7FF7BA84&exact=on'))).toMatchObject({ to: '/registry/pks/by-id/0xA20C27EE7FF7BA84', status: 200, force: true });
    expect(matcher.match(request('op=index'))).toBeNull();
  });

  it('writes Cloudflare a worker run only for the library:// paths, and gives the images\' JSON the address it redirects to', () => {
    const out = files({ library: 'cloudflare', url: 'https://lab.example.org/registry' });
    // /v1/images/ too: the worker answers each client's architecture, and refuses another.
    expect(JSON.parse(out.get('_routes.json')!)).toEqual({ version: 1, include: ['/registry/v1/imagefile/*', '/registry/v1/images/*'], exclude: [] });
    expect(out.get('_worker.js')).toContain('const PREFIX = "/registry/v1/imagefile/";');
    // At its host's root the site serves oras:// too: the worker types manifests and redirects blobs.
    expect(JSON.parse(files({ library: 'cloudflare', url: 'https://containers.example.org' }).get('_routes.json')!).include).toEqual(['/v1/imagefile/*', '/v1/images/*', '/v2/*']);
    const cloudflare = site({ library: 'cloudflare' });
    expect(toLibrary(cloudflare).images[0]!.json.data.location).toBe('https://images.example.org/a%20b/%24x%22.sif');
    expect(toLibrary(site({})).images[0]!.json.data.location).toBeUndefined();
  });

  it('writes S3 redirect objects only for s3-website, and nothing at all without library', () => {
    const s3 = site({ library: 's3-website' });
    expect(toImagefileFiles(s3.config, toLibrary(s3))[0]).toEqual({ path: 'v1/imagefile/lab/tool:1.0', text: 'https://images.example.org/a%20b/%24x%22.sif\n', collection: 'lab' });
    const none = site({ library: undefined });
    expect(toLibrarySiteFiles(none.config, toLibrary(none))).toEqual([]);
  });

  it('keeps a URL meaning the same', () => {
    expect(redirectTarget('https://h.example/p?q=1&r=2')).toBe('https://h.example/p?q=1&r=2');
  });
});

describe('libraryPullCommand', () => {
  it('names the host at its root, and --library under a path prefix', () => {
    expect(libraryPullCommand({ url: 'https://containers.example.org' }, 'lab', 'tool', '1.0')).toBe('apptainer pull library://containers.example.org/lab/default/tool:1.0');
    expect(libraryPullCommand({ url: 'https://lab.github.io/registry/' }, 'lab', 'tool', '1.0')).toBe('apptainer pull --library https://lab.github.io/registry library://lab/tool:1.0');
  });
});

describe('a tag of several architectures', () => {
  const [own, arm, old] = [image(1), image(2), image(3)];
  const record = { ...own, architecture: 'amd64', platforms: [{ ...arm, architecture: 'arm64' }] } as Image;
  // 1.0 held amd64 and another arm64 image before: that index keeps its digest.
  const history = [{ path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b1'), change('c2', '2024-02-01T00:00:00Z', 'blob-1.0')] }];
  const site = enrich(registry([tag('1.0', record)], { library: 'netlify' }), { files: history, blobs: new Map([['b1', tagRecord(own, `architecture: amd64\nplatforms:\n  - architecture: arm64\n    url: ${old.url}\n    sha256: ${old.sha256}\n    md5: ${old.md5}\n    size: ${old.size}\n`)]]) });

  it('serves each architecture at the tag\'s refs (ref@arch) and at its own pin, and every image it held at its pin', () => {
    const library = toLibrary(site);
    const data = (path: string) => library.images.find((i) => i.path === path)?.json.data;
    expect(data('v1/images/lab/tool:1.0@arm64')).toMatchObject({ hash: pin(arm), arch: 'arm64', tags: ['1.0', 'latest'] });
    expect(data('v1/images/lab/tool:latest@amd64')).toMatchObject({ hash: pin(own), arch: 'amd64' });
    expect(data(`v1/images/lab/default/tool:${pin(arm)}`)).toMatchObject({ arch: 'arm64' });
    expect(data(`v1/images/lab/tool:${pin(old)}`)).toMatchObject({ hash: pin(old), arch: 'arm64', tags: [] });
    // The tag's own path stays the tag's own image, for a client that names no architecture.
    expect(data('v1/images/lab/tool:1.0')).toMatchObject({ hash: pin(own), arch: 'amd64' });
    expect(library.redirects.find((r) => r.path === 'v1/imagefile/lab/tool:1.0@arm64')).toMatchObject({ to: arm.url, alternate: { of: 'v1/imagefile/lab/tool:1.0', arch: 'arm64' } });
  });

  it('takes a corrected architecture from the record without starting a new version (the same images)', () => {
    const wrong = tagRecord(own, `architecture: arm64\nplatforms:\n  - architecture: amd64\n    url: ${arm.url}\n    sha256: ${arm.sha256}\n    md5: ${arm.md5}\n    size: ${arm.size}\n`);
    const fixed = enrich(registry([tag('1.0', record)]), { files: [{ path: 'lab/tool/1.0.md', changes: [change('c1', '2024-01-01T00:00:00Z', 'b1')] }], blobs: new Map([['b1', wrong]]) });
    const entry = fixed.collections[0]!.containers[0]!.tags[0]!;
    expect(entry.versions).toHaveLength(1);
    expect(entry.current.architecture).toBe('amd64');
    expect(entry.current.platforms?.map((p) => p.architecture)).toEqual(['arm64']);
  });

  it('writes an OCI image index for the tag and for the version before, typed for Netlify in _headers', () => {
    const oci = toOci(site);
    const index = JSON.parse(oci.files.find((f) => f.path === 'v2/lab/tool/manifests/1.0')!.text) as { mediaType: string; manifests: { platform: { architecture: string; os: string } }[] };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.platform)).toEqual([{ architecture: 'amd64', os: 'linux' }, { architecture: 'arm64', os: 'linux' }]);
    // The tag, latest, and each version's index by digest; no image manifest is an index.
    expect([...oci.indexPaths].filter((p) => !p.includes('sha256:')).sort()).toEqual(['v2/lab/tool/manifests/1.0', 'v2/lab/tool/manifests/latest']);
    expect([...oci.indexPaths].filter((p) => p.includes('sha256:'))).toHaveLength(2);
    expect(oci.blobs.map((b) => b.to).sort()).toEqual([own.url, arm.url, old.url].sort());
    const headers = netlifyHeaders(site.config, oci.indexPaths);
    expect(headers).toContain('/v2/lab/tool/manifests/1.0\n  Content-Type: application/vnd.oci.image.index.v1+json\n');
    expect(headers.split('\n').filter((l) => l.startsWith('/'))).toHaveLength(4);
  });
});
