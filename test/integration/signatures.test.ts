import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/serve/static-server-node.ts';
import { memorySource } from '../../src/sif/byte-source.ts';
import { readSif } from '../../src/sif/read-sif.ts';
import { hashInspected, inspectFile } from '../../src/sif/inspect-file-fs.ts';
import { toPlatformEntryText, toTagRecordText } from '../../src/commands/submit/to-submission.ts';
import { tagRecord as tagSchema } from '../../src/schema/record.ts';
import { runSifhub, withoutPlaceholderWarning } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { startImageServer, type ImageServer } from '../helpers/image-server.ts';
import { nginxConfig, startNginx, type Host } from '../helpers/library-hosts.ts';

// Signed images in a registry, end to end: signer keys in registry/keys/, the pages and the API
// saying who signed what, `signatures: required` in the pull-request check (validate, then
// verify against the bytes), and the keys served where apptainer looks for them, over HTTP with
// its exact requests.

const SIGS = new URL('../fixtures/sif-signatures/', import.meta.url);
const FINGERPRINT = '12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84';
const KEY_ID = FINGERPRINT.slice(-16);

let repo: TempRepo;
let images: ImageServer;
let server: StaticServer;
let nginx: Host | undefined;
let publicKey: string;
/** A second signer key, that no image is signed with: a lookup must tell the two apart. */
let second: { fingerprint: string; armored: string };
const bytes: Record<string, Buffer> = {};

/** The tag record `sifhub inspect --record` writes for a fixture image served at /NAME. */
async function recordOf(name: string, file = name): Promise<string> {
  const full = path.join(repo.dir, 'images', file);
  const { hashes, metadata } = await hashInspected(full, await inspectFile(full));
  return toTagRecordText(tagSchema.parse({ url: `${images.base}/${name}`, ...hashes, ...metadata }));
}

/** A tag record of `own`, with `other` as its image for another architecture (`architecture`). */
async function recordWithPlatform(own: string, other: string, architecture: string): Promise<string> {
  const full = path.join(repo.dir, 'images', other);
  const { hashes, metadata } = await hashInspected(full, await inspectFile(full));
  const entry = toPlatformEntryText(tagSchema.parse({ url: `${images.base}/${other}`, ...hashes, ...metadata, architecture }));
  return (await recordOf(own)).replace(/\n---\n$/, `\nplatforms:\n${entry}---\n`);
}

/** A copy of an image with one byte of its second object's data changed after signing. */
async function tampered(image: Buffer): Promise<Buffer> {
  const object = (await readSif(memorySource(image))).descriptors.find((d) => d.id === 2)!;
  const copy = Buffer.from(image);
  copy[object.offset + 100] = copy[object.offset + 100]! ^ 0xff;
  return copy;
}

const page = async (sitePath: string) => (await fetch(`${server.url}${sitePath}`)).text();
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

beforeAll(async () => {
  for (const name of ['one-group-signed-pgp.sif', 'one-group-signed-dsse.sif', 'one-group.sif']) bytes[name] = await readFile(new URL(name, SIGS));
  bytes['tampered.sif'] = await tampered(bytes['one-group-signed-pgp.sif']!);
  images = await startImageServer(Object.fromEntries(Object.entries(bytes).map(([name, b]) => [`/${name}`, b])));
  const key = await openpgp.readKey({ armoredKey: await readFile(new URL('private.asc', SIGS), 'utf8') });
  publicKey = key.toPublic().armor();
  const other = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Grace', email: 'grace@example.org' }], format: 'object' });
  second = { fingerprint: other.publicKey.getFingerprint().toUpperCase(), armored: other.publicKey.armor() };

  repo = await TempRepo.create();
  await mkdir(path.join(repo.dir, 'images'));
  for (const [name, b] of Object.entries(bytes)) await writeFile(path.join(repo.dir, 'images', name), b);
  await repo.write({
    'registry/registry.yml': 'name: Signed registry\nurl: https://registry.example.org/registry\nlibrary: netlify\nmaintainers: [grace]\n',
    [`registry/keys/${FINGERPRINT}.asc`]: publicKey,
    [`registry/keys/${second.fingerprint}.asc`]: second.armored,
    'registry/keys/ed25519.pem': await readFile(new URL('ed25519-public.pem', SIGS), 'utf8'),
    'registry/lab/README.md': `---\nowners: [ada]\nsigners: ["${FINGERPRINT}"]\nsignatures: required\n---\n`,
    'registry/open/README.md': '---\nowners: [ada]\n---\n',
    'registry/dsse/README.md': '---\nowners: [ada]\nsigners: [ed25519]\n---\n',
  });
  await repo.write({
    'registry/lab/tool/1.0.md': await recordOf('one-group-signed-pgp.sif'),
    'registry/open/tool/1.0.md': await recordOf('one-group-signed-pgp.sif'),
    'registry/open/tool/2.0.md': await recordOf('tampered.sif'),
    'registry/dsse/tool/1.0.md': await recordOf('one-group-signed-dsse.sif'),
  });
  await repo.commit('A signed registry', '2024-01-01T00:00:00Z');
  const build = await runSifhub(['build', '--quiet'], repo.dir);
  expect(withoutPlaceholderWarning(build.stderr)).toBe('');
  expect(build.code).toBe(0);
  server = await startStaticServer({ root: path.join(repo.dir, 'dist'), base: '/registry' });
  if (existsSync('/usr/sbin/nginx')) nginx = await startNginx(await nginxConfig(repo.dir, path.join(repo.dir, 'dist')));
}, 180_000);

afterAll(async () => {
  await nginx?.close();
  await server?.close();
  await images?.close();
  await repo?.dispose();
});

describe('signed images on the site', () => {
  it('says who signed a tag\'s image and that it is unchanged, when the collection trusts the key', async () => {
    const html = text(await page('/collections/lab/tool/1.0/'));
    expect(html).toContain(`signed by Unit Test, verified`);
    expect(html).toContain(`Signed by Unit Test &lt;unit@test.com&gt; (${FINGERPRINT}), a key this collection trusts, and verified: the image is unchanged since it was signed; it covers objects 1, 2.`);
    expect(html).toContain(`apptainer verify --url https://registry.example.org/registry tool_1.0.sif`);
  });

  it('says when a collection does not list the signer, and when the image changed after signing', async () => {
    expect(text(await page('/collections/open/tool/1.0/'))).toContain('but this collection does not list that key among its signers');
    expect(text(await page('/collections/open/tool/2.0/'))).toContain('but the image changed after signing: object 2 (FS) changed after signing');
    expect(text(await page('/collections/dsse/tool/1.0/'))).toContain('Signed by ed25519, a key this collection trusts, and verified');
  });

  it('tells programs: the API and the Library API\'s image JSON carry signed and fingerprints', async () => {
    const api = JSON.parse(await page('/api/v1/collections/lab.json'));
    expect(api.containers[0].tags[0]).toMatchObject({ signed: true, fingerprints: [FINGERPRINT], signatures: [{ status: 'verified', fingerprint: FINGERPRINT }] });
    const open = JSON.parse(await page('/api/v1/collections/open.json'));
    expect(open.containers[0].tags.map((t: { signed: boolean }) => t.signed)).toEqual([false, false]);
    const library = JSON.parse(await page('/v1/images/lab/default/tool:1.0'));
    expect(library.data).toMatchObject({ signed: true, fingerprints: [FINGERPRINT] });
  });

  it('serves the keys where apptainer asks for them: its remote config, a key lookup, each key file', async () => {
    const config = JSON.parse(await page('/assets/config/config.prod.json'));
    expect(config).toEqual({ libraryAPI: { uri: 'https://registry.example.org/registry' }, keyserverAPI: { uri: 'https://registry.example.org/registry' } });
    // apptainer verify: GET /pks/lookup?exact=on&op=get&search=0x<64-bit key id> on the keyserver.
    const lookup = await fetch(`${server.url}/pks/lookup?exact=on&op=get&search=0x${KEY_ID}`);
    expect(lookup.status).toBe(200);
    const keyring = await openpgp.readKeys({ armoredKeys: await lookup.text() });
    // A static host ignores the query: every key answers, and apptainer verify finds its own among them.
    expect(keyring.map((k) => k.getFingerprint().toUpperCase()).sort()).toEqual([FINGERPRINT, second.fingerprint].sort());
    const file = await fetch(`${server.url}/keys/${FINGERPRINT}.asc`);
    expect((await openpgp.readKey({ armoredKey: await file.text() })).getFingerprint().toUpperCase()).toBe(FINGERPRINT);
    expect(text(await page('/about/'))).toContain(`${FINGERPRINT} Unit Test &lt;unit@test.com&gt; lab`);
  });
});

describe('signer keys from nginx, which routes a lookup on its query', () => {
  it.skipIf(!existsSync('/usr/sbin/nginx'))('answers apptainer key pull\'s lookup by fingerprint, and verify\'s by key ID, with that key alone', async () => {
    const lookup = async (query: string) => {
      const response = await fetch(`${nginx!.url}/registry/pks/lookup?${query}`);
      expect(response.status, query).toBe(200);
      return (await openpgp.readKeys({ armoredKeys: await response.text() })).map((k) => k.getFingerprint().toUpperCase());
    };
    expect(await lookup(`op=get&search=0x${FINGERPRINT}`)).toEqual([FINGERPRINT]);
    expect(await lookup(`exact=on&op=get&search=0x${KEY_ID.toLowerCase()}`)).toEqual([FINGERPRINT]);
    expect(await lookup(`op=get&search=0x${second.fingerprint}`)).toEqual([second.fingerprint]);
    expect((await lookup('op=index&search=unit')).sort()).toEqual([FINGERPRINT, second.fingerprint].sort());
    // A key the registry does not have, and a search that is no key ID, find nothing to leak.
    expect((await fetch(`${nginx!.url}/registry/pks/lookup?op=get&search=0x${'AB'.repeat(20)}`)).status).toBe(404);
    expect((await lookup('op=get&search=0x../../registry.yml')).sort()).toEqual([FINGERPRINT, second.fingerprint].sort());
  });
});

describe('signatures: required, in the pull-request check', () => {
  const change = async (branch: string, files: Record<string, string>) => {
    await repo.git('checkout', '-q', '-b', branch, 'main');
    await repo.write(files);
    await repo.commit(branch, '2024-02-01T00:00:00Z');
  };
  const validate = () => runSifhub(['validate', '--base', 'main', '--author', 'ada'], repo.dir);

  it('refuses an unsigned image, and one changed after signing, naming the tag and why', async () => {
    await change('unsigned', { 'registry/lab/tool/2.0.md': await recordOf('one-group.sif') });
    const unsigned = await validate();
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('registry/lab/tool/2.0.md');
    expect(unsigned.stderr).toContain('lab requires signed images (signatures: required in lab\'s README), and this image carries no signature');

    await change('tampered', { 'registry/lab/tool/3.0.md': await recordOf('tampered.sif') });
    const changed = await validate();
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('the image changed after signing: object 2 (FS) changed after signing');
    await repo.git('checkout', '-q', 'main');
  });

  it('requires every architecture\'s image of a tag to be signed, naming the one that is not', async () => {
    await change('platform-unsigned', { 'registry/lab/tool/5.0.md': await recordWithPlatform('one-group-signed-pgp.sif', 'one-group.sif', 'arm64') });
    const unsigned = await validate();
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toMatch(/platforms\.0\.signatures +lab requires signed images \(signatures: required in lab's README\), and the arm64 image: this image carries no signature/);
    // The tag's own image is signed: only the other architecture is named.
    expect(unsigned.stderr).toContain('✖ 1 problem');
    await repo.git('checkout', '-q', 'main');
    await change('platform-signed', { 'registry/lab/tool/6.0.md': await recordWithPlatform('one-group-signed-pgp.sif', 'one-group-signed-dsse.sif', 'arm64') });
    const other = await validate();
    // DSSE by a key the registry does not have: still not trusted, and said so for that architecture.
    expect(other.stderr).toContain('and the arm64 image:');
    await repo.git('checkout', '-q', 'main');
  });

  it('accepts an image signed by a key the collection trusts', async () => {
    await change('signed', { 'registry/lab/tool/4.0.md': await recordOf('one-group-signed-pgp.sif') });
    const result = await validate();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await repo.git('checkout', '-q', 'main');
  });

  it('verify holds the record\'s claims to the image\'s bytes: a record that hides the change fails', async () => {
    const honest = await recordOf('tampered.sif');
    // The same record with the change left out, as a hand-edited pull request would have it.
    const hiding = honest.replace(/\n {4}tampered: .*\n/, `\n    objects:\n      - 1\n      - 2\n`);
    expect(hiding).not.toBe(honest);
    await change('hiding', { 'registry/open/tool/3.0.md': hiding, 'registry/open/tool/4.0.md': honest });
    const result = await runSifhub(['verify', '--base', 'main', '--json', '--allow-host', 'localhost'], repo.dir, images.trust);
    const report = JSON.parse(result.stdout) as { images: { file: string; ok: boolean; failure?: string }[] };
    const byFile = Object.fromEntries(report.images.map((i) => [path.basename(i.file), i]));
    expect(byFile['4.0.md']).toMatchObject({ ok: true });
    expect(byFile['3.0.md']!.failure).toBe('signature 1: object 2 (FS) changed after signing, which the record does not say');
    expect(result.code).toBe(1);
    await repo.git('checkout', '-q', 'main');
  });
});
