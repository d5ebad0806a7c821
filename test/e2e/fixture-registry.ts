import { cp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { image, tagRecord, TempRepo } from '../helpers/git-repo.ts';

// The registry the browser tests run against: the bundled example registry (real images, real
// labels and definition files), a history in which base/busybox:latest moved, containers of
// known sizes for the treemap (one of them a release asset with stars and downloads on a fake
// GitHub API), and a collection of hostile records. Served under /registry/.

const EXAMPLE = fileURLToPath(new URL('../../registry/', import.meta.url));

export const BASE = '/registry';

/** Every string here would run script if a page or the search UI used it as HTML. */
export const HOSTILE = {
  script: '<script>window.__pwned = "script"; alert("script")</script>',
  img: '"><img src=x onerror="window.__pwned = \'img\'; alert(\'img\')">',
  link: '[click for details](javascript:window.__pwned=\'link\';alert(\'link\'))',
  attr: '" onmouseover="window.__pwned=\'attr\'" autofocus onfocus="alert(\'attr\')" x="',
};

/** Deleted tags of xss/payload whose manifest files a host would serve as markup or script. */
export const WEB_EXTENSION_TAGS = ['x.html', 'x.htm', 'x.xhtml', 'x.svg', 'x.xml', 'x.js', 'x.mjs', 'x.css', 'index.html'];

/** Containers in the `sizes` collection, bytes of their current images. */
export const SIZES = { small: 1_000_000, medium: 3_000_000, big: 6_000_000 };

/** A word that appears in one definition file and nowhere else. */
/** Usage counts the fake GitHub API answers for the fixture (see startFixtureGitHub). */
export const USAGE = { starsIssue: 3, stars: 5, releaseUrl: 'https://github.com/lab/tools/releases/download/v1.0/small.sif', downloads: 17 };

export function startFixtureGitHub(): Promise<FakeGitHub> {
  return startFakeGitHub({ releases: { 'lab/tools': [{ tag: 'v1.0', assets: [{ name: 'small.sif', downloads: USAGE.downloads }] }] }, issues: { [`lab/registry#${USAGE.starsIssue}`]: USAGE.stars } });
}

export const DEFINITION_ONLY_WORD = 'samtools';

/** Images of xss/payload its owners took back (see the end of createFixtureRegistry). */
export const RETRACTED = { first: image(232), yanked: image(230), withdrawn: image(231), date: '2024-06-10', label: 'org.e2e.status' };

const yamlString = (text: string) => JSON.stringify(text);

export async function createFixtureRegistry(): Promise<TempRepo> {
  const repo = await TempRepo.create();
  await cp(EXAMPLE, repo.registry, { recursive: true });
  await rm(path.join(repo.registry, '.schema'), { recursive: true, force: true });
  await repo.write({ 'registry/registry.yml': 'name: E2E registry\nurl: https://registry.example.org/registry\ncontact: e2e@example.org\nrepository: https://github.com/lab/registry\n' });
  // First busybox:latest points at the 1.28 image; the second commit moves it to today's record.
  const latest = await readFile(path.join(repo.registry, 'base/busybox/latest.md'), 'utf8');
  await repo.write({ 'registry/base/busybox/latest.md': await readFile(path.join(repo.registry, 'base/busybox/1.28.md'), 'utf8') });
  await repo.commit('Add the example images', '2024-01-10T09:00:00Z', 'Ada Lovelace');
  await repo.write({ 'registry/base/busybox/latest.md': latest });
  await repo.commit('Move busybox:latest to 1.33.1', '2024-03-05T14:30:00Z', 'Grace Hopper');

  const sized = (n: number, bytes: number) => ({ ...image(n), size: bytes });
  await repo.write({
    'registry/sizes/README.md': `---\nsummary: Tools of known sizes.\ntopics: [benchmarks]\nstarsIssue: ${USAGE.starsIssue}\n---\n`,
    'registry/sizes/small/README.md': '---\nsummary: A small tool.\n---\n',
    'registry/sizes/small/1.0.md': tagRecord({ ...sized(101, SIZES.small), url: USAGE.releaseUrl }, 'architecture: arm64\nbootstrap: docker\nfrom: "alpine:3.19"\n'),
    'registry/sizes/medium/README.md': '---\nsummary: A medium tool.\n---\n',
    'registry/sizes/medium/1.0.md': tagRecord(sized(102, SIZES.medium), `architecture: amd64\nbootstrap: docker\nfrom: "ubuntu:22.04"\ndefinition: |\n  Bootstrap: docker\n  From: ubuntu:22.04\n  %post\n    apt-get install -y ${DEFINITION_ONLY_WORD}\n`),
    'registry/sizes/big/README.md': '---\nsummary: A big tool.\n---\n',
    // Two images, and a third tag sharing one of them: shared bytes count once.
    'registry/sizes/big/2.0.md': tagRecord(sized(103, 4_000_000), 'architecture: amd64\n'),
    'registry/sizes/big/1.0.md': tagRecord(sized(104, 2_000_000), 'architecture: amd64\n'),
    'registry/sizes/big/stable.md': tagRecord(sized(103, 4_000_000), 'architecture: amd64\n'),
  });
  await repo.commit('Add the sizes collection', '2024-04-01T08:00:00Z', 'Ada Lovelace');

  const everything = Object.values(HOSTILE).join(' ');
  await repo.write({
    'registry/xss/README.md': `---\nsummary: ${yamlString(`A hostile tool collection ${HOSTILE.img}`)}\ntopics: [security]\n---\n${everything}\n`,
    'registry/xss/payload/README.md': `---\nsummary: ${yamlString(`A hostile tool ${HOSTILE.script}`)}\nsource: https://example.org/payload\n---\n${everything}\n`,
    'registry/xss/payload/1.0.md': tagRecord(
      image(201),
      [
        'architecture: amd64',
        'bootstrap: docker',
        'from: "debian:bookworm"',
        'labels:',
        `  ${yamlString(HOSTILE.img)}: ${yamlString(HOSTILE.script)}`,
        `  ${yamlString('<script>alert("key")</script>')}: ${yamlString(HOSTILE.attr)}`,
        `  org.example.description: ${yamlString(`${HOSTILE.img} ${'very long value '.repeat(40)}`)}`,
        `definition: ${yamlString(`Bootstrap: docker\nFrom: debian:bookworm\n%post\n  echo '${HOSTILE.script}'\n  echo '${HOSTILE.img}'\n`)}`,
        `help: ${yamlString(`Help ${HOSTILE.attr} ${HOSTILE.script}`)}`,
        `runscript: ${yamlString(`echo '${HOSTILE.img}'`)}`,
        'apps:',
        `  hostile-app:\n    help: ${yamlString(HOSTILE.script)}`,
        '',
      ].join('\n'),
      `${everything}\n`,
    ),
  });
  await repo.commit('Add a hostile record', '2024-05-01T08:00:00Z', 'Mallory');

  // Tags merged before sifhub refused names a host serves as markup, then deleted: their versions
  // stay pullable, so the build meets the names in history. Each image URL carries a script in
  // its fragment, which verify never sends and every manifest repeats.
  const webNamed = Object.fromEntries(WEB_EXTENSION_TAGS.map((tag, i) => [
    `registry/xss/payload/${tag}.md`,
    // As the parser writes it (records hold only canonical URLs): the script percent-encoded in the fragment.
    tagRecord(image(210 + i, new URL(`https://images.example.org/${210 + i}.sif#${HOSTILE.script}`).href)),
  ]));
  await repo.write(webNamed);
  await repo.commit('Add tags named like web pages', '2024-05-02T08:00:00Z', 'Mallory');
  for (const file of Object.keys(webNamed)) await repo.remove(file);
  await repo.commit('Remove tags named like web pages', '2024-05-03T08:00:00Z', 'Ada Lovelace');

  // Images taken back, with hostile reasons: 2.0 moved to a new image that was then yanked, its
  // first image withdrawn from the container's README; 3.0 withdrawn in its own record.
  await repo.write({
    'registry/xss/payload/2.0.md': tagRecord(RETRACTED.first),
    'registry/xss/payload/3.0.md': tagRecord(RETRACTED.withdrawn),
  });
  await repo.commit('Add 2.0 and 3.0', '2024-06-01T08:00:00Z', 'Ada Lovelace');
  const readme = await readFile(path.join(repo.registry, 'xss/payload/README.md'), 'utf8');
  await repo.write({
    'registry/xss/payload/2.0.md': tagRecord(RETRACTED.yanked, `yanked: ${yamlString(`Wrong build ${HOSTILE.script}`)}\nlabels:\n  ${RETRACTED.label}: taken-back\n`),
    'registry/xss/payload/3.0.md': tagRecord(RETRACTED.withdrawn, `withdrawn: ${yamlString(`Malicious ${HOSTILE.img}`)}\nlabels:\n  ${RETRACTED.label}: taken-back\n`),
    'registry/xss/payload/README.md': readme.replace('---\n', `---\nwithdrawn:\n  - sha256: "${RETRACTED.first.sha256}"\n    reason: ${yamlString(`Unlicensed ${HOSTILE.attr}`)}\n`),
  });
  await repo.commit('Yank 2.0, withdraw 3.0 and the first 2.0', '2024-06-10T08:00:00Z', 'Ada Lovelace');
  return repo;
}
