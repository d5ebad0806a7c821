import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { checkSignerKeys } from '../../src/records/check-signer-keys.ts';
import type { RegistryInput } from '../../src/records/types.ts';

// registry/keys/: public keys only, each named by what identifies it, and every key a collection trusts present.

const FP = '12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84';
const fixture = (name: string) => readFile(new URL(`../fixtures/sif-signatures/${name}`, import.meta.url), 'utf8');

function registry(keyFiles: { id: string; file: string; text: string }[], signers: string[] = []): RegistryInput {
  return {
    display: 'registry',
    config: { name: 'T', url: 'https://r.example.org' },
    collections: [{ name: 'lab', file: 'registry/lab/README.md', record: { signers }, description: '' }],
    containers: [],
    tags: [],
    keyFiles: keyFiles.map((k) => ({ ...k, path: k.file.replace(/^registry\//, '') })),
  };
}

describe('checkSignerKeys', () => {
  it('takes a public PGP key named by its fingerprint and a PEM public key by its name', async () => {
    const publicKey = (await openpgp.readKey({ armoredKey: await fixture('private.asc') })).toPublic().armor();
    const { problems, keys } = await checkSignerKeys(registry([
      { id: FP, file: `registry/keys/${FP}.asc`, text: publicKey },
      { id: 'ed25519', file: 'registry/keys/ed25519.pem', text: await fixture('ed25519-public.pem') },
    ], [FP, 'ed25519']));
    expect(problems).toEqual([]);
    expect([...keys.byId.values()].map((k) => [k.id, k.kind, k.name])).toEqual([[FP, 'pgp', 'Unit Test <unit@test.com>'], ['ed25519', 'pem', 'ed25519']]);
  });

  it('refuses a private key, a key under another fingerprint, junk, and a signer with no key', async () => {
    const privateKey = await fixture('private.asc');
    const other = 'ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD';
    const { problems } = await checkSignerKeys(registry([
      { id: FP, file: `registry/keys/${FP}.asc`, text: privateKey },
      { id: other, file: `registry/keys/${other}.asc`, text: (await openpgp.readKey({ armoredKey: privateKey })).toPublic().armor() },
      { id: 'junk', file: 'registry/keys/junk.pem', text: 'not a key' },
    ], ['FEEDFEEDFEEDFEEDFEEDFEEDFEEDFEEDFEEDFEED']));
    expect(problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      `registry/keys/${FP}.asc: expected a public key, found a private one: commit only the public part (gpg --armor --export FINGERPRINT), and revoke this key: it is no longer secret`,
      `registry/keys/${other}.asc: expected the key whose fingerprint is ${other}, found ${FP}: name the file after it (${FP}.asc)`,
      'registry/keys/junk.pem: expected an armored PGP public key (-----BEGIN PGP PUBLIC KEY BLOCK-----) or a PEM public key (-----BEGIN PUBLIC KEY-----)',
      'registry/lab/README.md: names the key FEEDFEEDFEEDFEEDFEEDFEEDFEEDFEEDFEEDFEED, but registry/keys/ has no FEEDFEEDFEEDFEEDFEEDFEEDFEEDFEEDFEEDFEED.asc or FEEDFEEDFEEDFEEDFEEDFEEDFEEDFEEDFEEDFEED.pem; add its public key there',
    ]);
  });
});
