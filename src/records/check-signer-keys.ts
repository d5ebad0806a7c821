import type { Problem } from '../errors.ts';
import { keyFingerprint, parseKeyFile, type SignerKeys } from '../sif/sif-signatures-node.ts';
import { KEYS_FOLDER } from './layout.ts';
import type { RegistryInput } from './types.ts';

// The registry's signer keys (keys/FINGERPRINT.asc, keys/NAME.pem): each a public key, named by
// what identifies it, and every key registry.yml or a collection trusts present. Checked with
// the records, all problems at once.

interface RegistryKey {
  /** The PGP fingerprint or the PEM key's name. */
  id: string;
  kind: 'pgp' | 'pem';
  /** Who the key says it is: a PGP key's first user ID, or the PEM key's name. */
  name: string;
  file: string;
  /** The public key as served (keys/ID.asc or keys/ID.pem on the site). */
  text: string;
}

export interface RegistryKeys {
  byId: ReadonlyMap<string, RegistryKey>;
  /** All of them, ready to check signatures with. */
  signer: SignerKeys;
}

export const NO_KEYS: RegistryKeys = { byId: new Map(), signer: { pgp: [], pem: [] } };

export async function checkSignerKeys(registry: RegistryInput): Promise<{ problems: Problem[]; keys: RegistryKeys }> {
  const problems: Problem[] = [];
  const byId = new Map<string, RegistryKey>();
  const signer: SignerKeys = { pgp: [], pem: [] };
  for (const { id, file, text } of registry.keyFiles) {
    const problem = (message: string) => problems.push({ file, message });
    let parsed;
    try {
      parsed = await parseKeyFile(text);
    } catch (error) {
      problem(`expected a public key, but it cannot be read: ${(error as Error).message}`);
      continue;
    }
    if (parsed.kind === 'pgp') {
      if (!file.endsWith('.asc')) problem('expected a PEM public key in a .pem file; a PGP key goes in FINGERPRINT.asc');
      else if (parsed.keys.length !== 1) problem(`expected one PGP key, found ${parsed.keys.length}: one file per key, named by its fingerprint`);
      else if (parsed.keys[0]!.isPrivate()) problem('expected a public key, found a private one: commit only the public part (gpg --armor --export FINGERPRINT), and revoke this key: it is no longer secret');
      else if (keyFingerprint(parsed.keys[0]!) !== id) problem(`expected the key whose fingerprint is ${id}, found ${keyFingerprint(parsed.keys[0]!)}: name the file after it (${keyFingerprint(parsed.keys[0]!)}.asc)`);
      else {
        const key = parsed.keys[0]!;
        signer.pgp.push(key);
        byId.set(id, { id, kind: 'pgp', name: key.getUserIDs()[0] ?? id, file, text: key.armor() });
      }
    } else if (parsed.kind === 'pem') {
      if (parsed.private) problem('expected a public key, found a private one: commit only the public part (openssl pkey -pubout), and replace this key: it is no longer secret');
      else if (!file.endsWith('.pem')) problem('expected a PGP public key in a .asc file; a PEM key goes in NAME.pem');
      else {
        signer.pem.push({ name: id, key: parsed.key });
        byId.set(id, { id, kind: 'pem', name: id, file, text });
      }
    } else {
      problem('expected an armored PGP public key (-----BEGIN PGP PUBLIC KEY BLOCK-----) or a PEM public key (-----BEGIN PUBLIC KEY-----)');
    }
  }
  const missing = (ids: readonly string[] | undefined, file: string) => {
    for (const id of ids ?? []) {
      if (!byId.has(id) && !registry.keyFiles.some((k) => k.id === id)) problems.push({ file, field: 'signers', message: `names the key ${id}, but ${registry.display}/${KEYS_FOLDER}/ has no ${id}.asc or ${id}.pem; add its public key there` });
    }
  };
  missing(registry.config.signers, `${registry.display}/registry.yml`);
  for (const collection of registry.collections) if (collection.file) missing(collection.record.signers, collection.file);
  return { problems, keys: { byId, signer } };
}
