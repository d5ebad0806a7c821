import { describe, expect, it } from 'vitest';
import { objectHeaders, planDeploy } from '../../src/deploy/plan-deploy.ts';

// What `sifhub deploy` sends and removes, decided from the site and the bucket's listing.

const file = (path: string, md5 = 'a'.repeat(32), size = 10) => ({ path, md5, size });
const there = (md5 = 'a'.repeat(32), size = 10) => ({ etag: md5, size });

describe('planDeploy', () => {
  it('sends only files whose bytes differ, in waves: assets, pages and API, manifests', () => {
    const plan = planDeploy(
      [file('_astro/site.1a2b.css'), file('index.html', 'b'.repeat(32)), file('api/v1/registry.json'), file('api/container/lab/tool:1.0'), file('pagefind/pagefind.js'), file('collections/lab/index.html', 'c'.repeat(32), 11)],
      new Map([['site/_astro/site.1a2b.css', there()], ['site/index.html', there()], ['site/collections/lab/index.html', there('c'.repeat(32))]]),
      'site',
      new Set(),
    );
    expect(plan.waves.map((w) => [w.name, w.uploads.map((u) => u.key)])).toEqual([
      ['assets', ['site/pagefind/pagefind.js']],
      ['pages and API', ['site/index.html', 'site/api/v1/registry.json', 'site/collections/lab/index.html']],
      ['manifests', ['site/api/container/lab/tool:1.0']],
    ]);
    expect(plan.unchanged).toBe(1);
  });

  it('sends library:// files with the manifests, imagefiles as website redirects only for a site built with s3-website', () => {
    const site = [file('v1/images/lab/tool:1.0'), file('v1/imagefile/lab/tool:1.0')];
    const redirects = planDeploy(site, new Map(), '', undefined, { websiteRedirects: true }).waves;
    expect(redirects.map((w) => [w.name, w.uploads.map((u) => [u.key, u.contentType, u.redirect])])).toEqual([
      ['manifests', [['v1/images/lab/tool:1.0', 'application/json; charset=utf-8', false], ['v1/imagefile/lab/tool:1.0', 'text/plain; charset=utf-8', true]]],
    ]);
    // library: site: the imagefile is the image.
    const bytes = planDeploy(site, new Map(), '', undefined).waves[0]!.uploads[1]!;
    expect([bytes.contentType, bytes.redirect]).toEqual(['application/octet-stream', false]);
  });

  it('removes only what an earlier deploy put there and the site dropped; the first deploy removes nothing', () => {
    const remote = new Map([['old.html', there()], ['sha256/abc.sif', there()], ['.sifhub/deployed.json', there()], ['gone.html', there()]]);
    expect(planDeploy([], remote, '', undefined).deletes).toEqual([]);
    // gone.html is recorded but no longer in the bucket; the image was never recorded.
    expect(planDeploy([], new Map([...remote].filter(([k]) => k !== 'gone.html')), '', new Set(['old.html', 'gone.html', '.sifhub/deployed.json'])).deletes).toEqual(['old.html']);
  });
});

describe('objectHeaders', () => {
  it('types manifests and API as JSON and pages as HTML, and keeps only content-named assets for a year', () => {
    expect(objectHeaders('api/container/lab/tool:1.0@0123')).toEqual({ contentType: 'application/json; charset=utf-8', cacheControl: 'public, max-age=600' });
    expect(objectHeaders('api/v1/collections/lab.json').contentType).toBe('application/json; charset=utf-8');
    expect(objectHeaders('collections/lab/index.html').contentType).toBe('text/html; charset=utf-8');
    expect(objectHeaders('_astro/index.B2x.js')).toEqual({ contentType: 'text/javascript; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable' });
    expect(objectHeaders('pagefind/wasm.en.pagefind').contentType).toBe('application/octet-stream');
  });

  it('types oras:// manifests by what they are: an image index (a tag of several architectures) as an index, anything else as an image manifest', () => {
    expect(objectHeaders('v2/lab/tool/manifests/1.0', false, 'application/vnd.oci.image.index.v1+json').contentType).toBe('application/vnd.oci.image.index.v1+json');
    expect(objectHeaders('v2/lab/tool/manifests/1.0', false, 'application/vnd.oci.image.manifest.v1+json').contentType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(objectHeaders('v2/lab/tool/manifests/1.0', false, 'text/html').contentType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(objectHeaders('v2/lab/tool/manifests/1.0').contentType).toBe('application/vnd.oci.image.manifest.v1+json');
  });
});
