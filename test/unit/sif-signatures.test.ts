import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../../src/sif/byte-source.ts';
import { readSif, type Sif } from '../../src/sif/read-sif.ts';
import { checkIntegrity, checkSigner, readSignatures, readSignerKeys, type SignerKeys } from '../../src/sif/sif-signatures-node.ts';

// Signed images made by sylabs/sif's own generator (test/fixtures/sif-signatures/README.md), and
// copies with one byte changed: of an object's data, of a descriptor, of the header.

const DIR = new URL('../fixtures/sif-signatures/', import.meta.url);
const FINGERPRINT = '12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84';
const fixture = (name: string) => readFile(new URL(name, DIR));

let keys: SignerKeys;
beforeAll(async () => {
  keys = await readSignerKeys(await Promise.all(['private.asc', 'rsa-public.pem', 'ecdsa-public.pem', 'ed25519-public.pem'].map(async (name) => ({ name, text: (await fixture(name)).toString() }))));
});

async function signaturesOf(bytes: Uint8Array) {
  const source = memorySource(bytes);
  const sif = await readSif(source);
  const signatures = await readSignatures(source, sif);
  return Promise.all(signatures.map(async (s) => ({ ...s, integrity: await checkIntegrity(source, sif, s), signer: await checkSigner(s, keys) })));
}

/** A copy of `bytes` with the byte at `at` changed. */
function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

const sifOf = async (bytes: Uint8Array): Promise<Sif> => readSif(memorySource(bytes));

describe('reading and verifying SIF signatures', () => {
  it.each([
    ['one-group-signed-pgp.sif', 'pgp', [[1, 2]]],
    ['two-groups-signed-pgp.sif', 'pgp', [[1, 2], [3]]],
    ['one-group-signed-legacy.sif', 'pgp-legacy', [[2]]],
    ['one-group-signed-legacy-all.sif', 'pgp-legacy', [[1], [2]]],
    ['one-group-signed-legacy-group.sif', 'pgp-legacy', [[1, 2]]],
    ['two-groups-signed-legacy.sif', 'pgp-legacy', [[2]]],
  ] as const)('verifies %s: the format, the objects each signature covers, and the signer', async (file, format, covered) => {
    const signatures = await signaturesOf(await fixture(file));
    expect(signatures.map((s) => s.format)).toEqual(covered.map(() => format));
    expect(signatures.map((s) => s.integrity)).toEqual(covered.map((objects) => ({ intact: true, objects })));
    // The test key was re-self-signed after these images were signed: accepted, as apptainer does, and said.
    expect(signatures.map((s) => s.signer)).toEqual(covered.map(() => ({ status: 'verified', fingerprint: FINGERPRINT, name: 'Unit Test <unit@test.com>', keyResigned: true })));
  });

  it('verifies DSSE envelopes against PEM keys, with no fingerprint in the descriptor', async () => {
    const signatures = await signaturesOf(await fixture('two-groups-signed-dsse.sif'));
    expect(signatures.map((s) => [s.format, s.fingerprint, s.integrity.intact, s.signer.status])).toEqual([
      ['dsse', undefined, true, 'verified'],
      ['dsse', undefined, true, 'verified'],
    ]);
  });

  it('verifies a DSSE envelope against an x509 certificate of the signing key', async () => {
    // A certificate for the fixture's ed25519 key, issued by a throwaway key (openssl -force_pubkey).
    const dir = await mkdtemp(path.join(tmpdir(), 'sifhub-x509-'));
    try {
      const run = promisify(execFile);
      await run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', path.join(dir, 'issuer.pem')]);
      await run('openssl', ['x509', '-new', '-subj', '/CN=signer', '-key', path.join(dir, 'issuer.pem'), '-force_pubkey', fileURLToPath(new URL('ed25519-public.pem', DIR)), '-days', '1', '-out', path.join(dir, 'signer.pem')]);
      const certificate = await readSignerKeys([{ name: 'signer.pem', text: await readFile(path.join(dir, 'signer.pem'), 'utf8') }]);
      const source = memorySource(await fixture('one-group-signed-dsse.sif'));
      const [signature] = await readSignatures(source, await readSif(source));
      expect(await checkSigner(signature!, certificate)).toEqual({ status: 'verified', name: 'signer' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds no signature in an unsigned image', async () => {
    expect(await signaturesOf(await fixture('two-groups.sif'))).toEqual([]);
  });

  it('says which object changed when a byte of its data changed', async () => {
    const bytes = await fixture('two-groups-signed-pgp.sif');
    const object = (await sifOf(bytes)).descriptors.find((d) => d.id === 2)!;
    const [first, second] = await signaturesOf(flipped(bytes, object.offset + 10));
    expect(first!.integrity).toEqual({ intact: false, problem: 'object 2 (FS) changed after signing' });
    // The other group's signature still holds, and the signature itself is still good.
    expect(second!.integrity).toEqual({ intact: true, objects: [3] });
    expect(first!.signer.status).toBe('verified');
  });

  it('says a descriptor changed when a byte of its name changed', async () => {
    const bytes = await fixture('one-group-signed-pgp.sif');
    const sif = await sifOf(bytes);
    const table = Number(Buffer.from(bytes).readBigInt64LE(96));
    const index = sif.descriptors.findIndex((d) => d.id === 1);
    const [signature] = await signaturesOf(flipped(bytes, table + index * 585 + 73 + 5));
    expect(signature!.integrity).toEqual({ intact: false, problem: 'the descriptor of object 1 (FS) changed after signing' });
  });

  it('says the header changed when a byte of the image ID changed', async () => {
    const [signature] = await signaturesOf(flipped(await fixture('one-group-signed-pgp.sif'), 50));
    expect(signature!.integrity).toEqual({ intact: false, problem: 'the image header changed after signing' });
  });

  it('says a legacy signature\'s object changed', async () => {
    const bytes = await fixture('one-group-signed-legacy.sif');
    const object = (await sifOf(bytes)).descriptors.find((d) => d.id === 2)!;
    const [signature] = await signaturesOf(flipped(bytes, object.offset));
    expect(signature!.integrity).toEqual({ intact: false, problem: 'object 2 (FS) changed after signing' });
  });

  it('refuses a signature whose signed message was changed, and does not know a key it was not given', async () => {
    const bytes = await fixture('one-group-signed-pgp.sif');
    const sif = await sifOf(bytes);
    const signature = sif.descriptors.find((d) => d.type === 'Signature')!;
    const text = Buffer.from(bytes.subarray(signature.offset, signature.offset + signature.size)).toString();
    // One digit of the signed JSON: the PGP signature over it no longer holds.
    const at = signature.offset + text.indexOf('"digest":"sha256:') + 20;
    const [changed] = await signaturesOf(flipped(bytes, at));
    expect(changed!.signer).toMatchObject({ status: 'invalid', fingerprint: FINGERPRINT });

    const [unknown] = await signaturesOf(bytes).then(async () => {
      const source = memorySource(bytes);
      const parsed = await readSif(source);
      return Promise.all((await readSignatures(source, parsed)).map((s) => checkSigner(s, { pgp: [], pem: [] })));
    });
    expect(unknown).toEqual({ status: 'unknown-key', fingerprint: FINGERPRINT });
  });

  it('reads a hostile signature object as what it is, never crashing', async () => {
    const bytes = await fixture('one-group-signed-pgp.sif');
    const sif = await sifOf(bytes);
    const signature = sif.descriptors.find((d) => d.type === 'Signature')!;
    const junk = Uint8Array.from(bytes);
    junk.fill(0x41, signature.offset, signature.offset + signature.size);
    const [read] = await signaturesOf(junk);
    expect(read).toMatchObject({ format: 'unknown', integrity: { intact: false }, signer: { status: 'invalid' } });
  });
});
