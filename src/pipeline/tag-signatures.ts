import { createHash } from 'node:crypto';
import { platformSignaturesKey } from '../model/platforms.ts';
import type { SignatureView } from '../model/types.ts';
import type { RegistryKeys } from '../records/check-signer-keys.ts';
import type { ContentCache, RegistryInput } from '../records/types.ts';
import type { TagRecord } from '../schema/record.ts';
import { checkSigner, type Signer } from '../sif/sif-signatures-node.ts';
import { mapConcurrent } from '../concurrency.ts';

// Who signed each tag's current image, from its record alone: the signed message each signature
// keeps, checked against the registry's keys (keys/), and trusted when the collection or
// registry.yml lists the key. Whether the image is unchanged since signing is the record's to say
// (`tampered`), which `sifhub verify` checked against the image's bytes when it was submitted.
// A check is kept between builds by the message and the keys.

const KIND = 'signer';
const JOBS = 8;

type TagSignature = NonNullable<TagRecord['signatures']>[number];

export async function toTagSignatures(registry: RegistryInput, keys: RegistryKeys, cache?: ContentCache): Promise<Map<string, SignatureView[]>> {
  const views = new Map<string, SignatureView[]>();
  if ((registry.config.signatures ?? 'show') === 'off' && registry.collections.every((c) => c.record.signatures === undefined)) return views;
  const keysDigest = createHash('sha1')
    .update([...keys.byId.values()].map((k) => `${k.id}\n${k.text}`).join('\n'))
    .digest('hex');
  const collections = new Map(registry.collections.map((c) => [c.name, c]));
  // Each image of a tag: its own (by the record's path) and each other architecture's (path#arch).
  const images = registry.tags
    .filter((t) => policyOf(registry, t.collection) !== 'off')
    .flatMap((t) => [{ tag: t, key: t.path, signatures: t.record.signatures }, ...(t.record.platforms ?? []).map((p) => ({ tag: t, key: platformSignaturesKey(t.path, p.architecture), signatures: p.signatures }))])
    .filter((i) => (i.signatures?.length ?? 0) > 0);
  await mapConcurrent(images, JOBS, async ({ tag, key, signatures }) => {
    const trusted = new Set([...(registry.config.signers ?? []), ...(collections.get(tag.collection)?.record.signers ?? [])]);
    views.set(key, await Promise.all(signatures!.map((s) => viewOf(s, trusted, keys, keysDigest, cache))));
  });
  return views;
}

/** registry.yml's policy, or the collection's own. */
function policyOf(registry: Pick<RegistryInput, 'config' | 'collections'>, collection: string): 'off' | 'show' | 'required' {
  return registry.collections.find((c) => c.name === collection)?.record.signatures ?? registry.config.signatures ?? 'show';
}

async function viewOf(signature: TagSignature, trusted: ReadonlySet<string>, keys: RegistryKeys, keysDigest: string, cache?: ContentCache): Promise<SignatureView> {
  const base = { type: signature.type, ...(/^0+$/.test(signature.fingerprint) ? {} : { fingerprint: signature.fingerprint }) };
  if (signature.message === undefined) return { ...base, status: 'unchecked' };
  const signer = await checkedSigner(signature, keys, keysDigest, cache);
  if (signature.tampered) return { ...base, status: 'tampered', problem: signature.tampered, ...(signer.status === 'verified' ? { signer: signer.name } : {}) };
  if (signer.status === 'unknown-key') return { ...base, status: 'unknown-key', objects: signature.objects };
  if (signer.status === 'invalid') return { ...base, status: 'invalid', problem: signer.problem };
  const id = signer.fingerprint ?? signer.name;
  return { ...base, status: trusted.has(id) ? 'verified' : 'untrusted', signer: keys.byId.get(id)?.name ?? signer.name, ...(signer.keyResigned ? { keyResigned: true } : {}), objects: signature.objects };
}

async function checkedSigner(signature: TagSignature, keys: RegistryKeys, keysDigest: string, cache?: ContentCache): Promise<Signer> {
  const key = `${createHash('sha1').update(signature.message!).update(signature.fingerprint).update(signature.hash).digest('hex')}-${keysDigest}`;
  if (cache?.has(KIND, key)) return cache.memo<Signer>(KIND, key, () => undefined)!;
  const signer = await checkSigner({ format: signature.type, hash: signature.hash, fingerprint: /^0+$/.test(signature.fingerprint) ? undefined : signature.fingerprint, message: signature.message! }, keys.signer);
  cache?.memo(KIND, key, () => signer);
  return signer;
}
