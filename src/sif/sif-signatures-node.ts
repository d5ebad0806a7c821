import { createHash, createPublicKey, verify as verifySignature, X509Certificate, type Hash, type KeyObject } from 'node:crypto';
import * as openpgp from 'openpgp';
import type { ByteSource } from './byte-source.ts';
import type { Sif, SifDescriptor } from './read-sif.ts';

// The signatures in a SIF, as github.com/sylabs/sif's pkg/integrity makes and checks them, in two
// separate questions:
//
// 1. Is the image still what was signed? (checkIntegrity) The signed message holds digests: the
//    current format (PGP clear-signed JSON, or the same JSON in a DSSE envelope) one of the header
//    and one of each object's descriptor and data; the legacy format (3.0–3.5: "SIFHASH:\n<hex>")
//    one of the data of an object, or of a group's objects read one after the other. This needs
//    the image's bytes, and no key.
// 2. Who signed it? (checkSigner) The message's signature against a set of keys. This needs the
//    message alone, so a build that has only the record can answer it with the registry's keys.
//
// Hostile files get an answer, never a crash: every size is bounded and every parse guarded.

/** sif-metadata's media type: a DSSE envelope whose payload is the image metadata JSON. */
const DSSE_PAYLOAD_TYPE = 'application/vnd.sylabs.sif-metadata+json';
/** A signature object is a few KiB; one past this is not one. */
const MAX_SIGNATURE_BYTES = 256 * 1024;
const MAX_SIGNATURES = 64;
const READ_CHUNK = 8 * 1024 * 1024;
/** pkg/integrity's digest names → Node's. */
const DIGESTS: Record<string, string> = { sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', sha512_224: 'sha512-224', sha512_256: 'sha512-256' };

type SignatureFormat = 'pgp' | 'pgp-legacy' | 'dsse' | 'unknown';

export interface SifSignature {
  /** The signature object's ID. */
  id: number;
  format: SignatureFormat;
  /** The hash the descriptor names (sha256, sha384, …). */
  hash: string;
  /** The signer's PGP fingerprint from the descriptor, 40 upper-case hex digits; undefined for DSSE. */
  fingerprint?: string;
  /** What it signs: `{ group }` or `{ object }`, as the descriptor links it. */
  link?: SifDescriptor['link'];
  /** The signature object's text as stored: the clear-signed message or the DSSE envelope. */
  message: string;
}

export type Integrity = { intact: true; objects: number[] } | { intact: false; problem: string };

/** Every signature object of the image, at most 64, each at most 256 KiB. */
export async function readSignatures(source: ByteSource, sif: Sif): Promise<SifSignature[]> {
  const signatures: SifSignature[] = [];
  for (const d of sif.descriptors.filter((x) => x.type === 'Signature').slice(0, MAX_SIGNATURES)) {
    const message = d.size <= MAX_SIGNATURE_BYTES ? new TextDecoder('utf-8', { fatal: false }).decode(await source.read(d.offset, d.size)) : '';
    const fingerprint = d.signature && !/^0+$/.test(d.signature.fingerprint) ? d.signature.fingerprint : undefined;
    signatures.push({ id: d.id, format: formatOf(message), hash: d.signature?.hash ?? 'unknown', fingerprint, link: d.link, message });
  }
  return signatures;
}

export function formatOf(message: string): SignatureFormat {
  if (message.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return /\r?\n\r?\nSIFHASH:\r?\n/.test(message) ? 'pgp-legacy' : 'pgp';
  const envelope = parseJson(message) as { payloadType?: unknown } | undefined;
  return envelope?.payloadType === DSSE_PAYLOAD_TYPE ? 'dsse' : 'unknown';
}

/** What the message says was signed, read without checking who signed it (checkSigner does). */
async function signedText(message: string, format: SignatureFormat): Promise<string | undefined> {
  try {
    if (format === 'pgp' || format === 'pgp-legacy') return (await openpgp.readCleartextMessage({ cleartextMessage: message })).getText();
    if (format === 'dsse') {
      const payload = (parseJson(message) as { payload?: unknown }).payload;
      return typeof payload === 'string' ? Buffer.from(payload, 'base64').toString('utf8') : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

interface ImageMetadata {
  header: { digest: string };
  objects: { relativeId: number; descriptorDigest: string; objectDigest: string }[];
}

/** The digest of a run of byte ranges of the image, read one after the other (legacy groups sign several objects' data as one). */
export interface RangeDigest {
  key: string;
  algorithm: string;
  ranges: { offset: number; size: number }[];
}

/** What one signature's check still needs from the image's data, and what it means when a digest differs. */
interface DataCheck {
  key: string;
  expected: string;
  problem: string;
}

/**
 * How to tell whether each signature still holds: what is decided from the header and the
 * descriptors alone, and the digests of object data the rest needs, so that they can be taken
 * in the same single read as the image's own hashes (`inspect`, `verify`), or read directly
 * (checkIntegrity).
 */
export interface IntegrityPlan {
  ranges: RangeDigest[];
  /** Each signature's answer, in order, once the ranges' digests are known (a missing one: not checked). */
  judge(digests: ReadonlyMap<string, string>): Integrity[];
}

export async function planIntegrity(sif: Sif, signatures: readonly SifSignature[]): Promise<IntegrityPlan> {
  const ranges = new Map<string, RangeDigest>();
  const need = (objects: readonly SifDescriptor[], algorithm: string): string => {
    const key = `${algorithm}:${objects.map((d) => d.id).join(',')}`;
    if (!ranges.has(key)) ranges.set(key, { key, algorithm, ranges: objects.map((d) => ({ offset: d.offset, size: d.size })) });
    return key;
  };
  const plans: (Integrity | { checks: DataCheck[]; objects: number[] })[] = [];
  for (const signature of signatures) plans.push(await planOne(sif, signature, need));
  return {
    ranges: [...ranges.values()],
    judge: (digests) =>
      plans.map((plan) => {
        if ('intact' in plan) return plan;
        for (const check of plan.checks) {
          const digest = digests.get(check.key);
          if (digest === undefined) return { intact: false, problem: 'not checked: its objects could not be read in one pass' };
          if (digest !== check.expected) return { intact: false, problem: check.problem };
        }
        return { intact: true, objects: plan.objects };
      }),
  };
}

async function planOne(sif: Sif, signature: SifSignature, need: (objects: readonly SifDescriptor[], algorithm: string) => string): Promise<Integrity | { checks: DataCheck[]; objects: number[] }> {
  const text = await signedText(signature.message, signature.format);
  if (text === undefined) return { intact: false, problem: `signature object ${signature.id} is not a signature sifhub can read` };
  const link = signature.link;

  if (signature.format === 'pgp-legacy') {
    const digest = legacyDigest(text, signature.hash);
    if (!digest) return { intact: false, problem: `signature object ${signature.id} holds no SIFHASH digest` };
    const objects = link && 'group' in link ? groupObjects(sif, link.group) : link && 'object' in link ? sif.descriptors.filter((d) => d.id === link.object) : [];
    if (objects.length === 0) return { intact: false, problem: `signature object ${signature.id} signs ${describeLink(link)}, which the image does not have` };
    const problem = objects.length === 1 ? `object ${objects[0]!.id} (${objects[0]!.type}) changed after signing` : `the objects of group ${(link as { group: number }).group} changed after signing`;
    return { checks: [{ key: need(objects, digest.algorithm), expected: digest.value, problem }], objects: objects.map((d) => d.id) };
  }

  const metadata = parseImageMetadata(text);
  if (!metadata) return { intact: false, problem: `signature object ${signature.id} signs no image metadata sifhub can read` };
  if (!link || !('group' in link)) return { intact: false, problem: `signature object ${signature.id} is linked to no object group` };
  const objects = groupObjects(sif, link.group);
  if (objects.length === 0) return { intact: false, problem: `signature object ${signature.id} signs group ${link.group}, which the image does not have` };
  const minId = Math.min(...objects.map((d) => d.id));

  const header = splitDigest(metadata.header.digest);
  if (!header || digestOf(header.algorithm, [sif.headerRaw.subarray(0, 45), sif.headerRaw.subarray(48, 64)]) !== header.value) return { intact: false, problem: 'the image header changed after signing' };
  const signed = new Map(metadata.objects.map((o) => [minId + o.relativeId, o]));
  for (const d of objects) if (!signed.has(d.id)) return { intact: false, problem: `object ${d.id} (${d.type}) was added to group ${link.group} after signing` };
  for (const id of signed.keys()) if (!objects.some((d) => d.id === id)) return { intact: false, problem: `object ${id} was signed but is missing` };
  const checks: DataCheck[] = [];
  for (const d of objects) {
    const o = signed.get(d.id)!;
    const descriptor = splitDigest(o.descriptorDigest);
    if (!descriptor || digestOf(descriptor.algorithm, [descriptorIntegrityBytes(d, d.id - minId)]) !== descriptor.value) return { intact: false, problem: `the descriptor of object ${d.id} (${d.type}) changed after signing` };
    const data = splitDigest(o.objectDigest);
    if (!data) return { intact: false, problem: `signature object ${signature.id} names no digest sifhub knows for object ${d.id}` };
    checks.push({ key: need([d], data.algorithm), expected: data.value, problem: `object ${d.id} (${d.type}) changed after signing` });
  }
  return { checks, objects: objects.map((d) => d.id) };
}

/**
 * Whether the image's bytes are still those the signature's digests describe, and which objects
 * it covers; or the first thing that changed: the header, an object's descriptor, an object's
 * data, an object added to or missing from the group. pkg/integrity's checks, in its order.
 */
export async function checkIntegrity(source: ByteSource, sif: Sif, signature: SifSignature): Promise<Integrity> {
  const plan = await planIntegrity(sif, [signature]);
  const digests = new Map<string, string>();
  for (const { key, algorithm, ranges } of plan.ranges) {
    const hash = createHash(algorithm);
    for (const { offset, size } of ranges) {
      for (let at = 0; at < size; at += READ_CHUNK) hash.update(await source.read(offset + at, Math.min(READ_CHUNK, size - at)));
    }
    digests.set(key, hash.digest('hex'));
  }
  return plan.judge(digests)[0]!;
}

/**
 * The digests of byte ranges, fed the image's bytes in file order in chunks of any size, as they
 * are read or downloaded once for the image's own hashes. A run of ranges out of file order
 * cannot be taken this way: it has no digest, and its check says so.
 */
export class RangeHasher {
  readonly #runs: { digest: RangeDigest; hash: Hash; index: number; done: number; broken: boolean }[];

  constructor(digests: readonly RangeDigest[]) {
    this.#runs = digests.map((digest) => ({ digest, hash: createHash(digest.algorithm), index: 0, done: 0, broken: false }));
  }

  update(offset: number, chunk: Uint8Array): void {
    const end = offset + chunk.length;
    for (const run of this.#runs) {
      while (!run.broken && run.index < run.digest.ranges.length) {
        const range = run.digest.ranges[run.index]!;
        const from = range.offset + run.done;
        const to = range.offset + range.size;
        if (from >= to) {
          run.index++;
          run.done = 0;
          continue;
        }
        if (from >= end) break;
        if (from < offset) {
          run.broken = true;
          break;
        }
        const until = Math.min(to, end);
        run.hash.update(chunk.subarray(from - offset, until - offset));
        run.done += until - from;
        if (until < to) break;
        run.index++;
        run.done = 0;
      }
    }
  }

  digests(): Map<string, string> {
    return new Map(this.#runs.filter((r) => !r.broken && r.index === r.digest.ranges.length).map((r) => [r.digest.key, r.hash.digest('hex')]));
  }
}

/** The non-signature objects of a group, and any signature stored in it, as pkg/sif's WithGroupID selects them. */
function groupObjects(sif: Sif, group: number): SifDescriptor[] {
  return sif.descriptors.filter((d) => d.group === group);
}

function describeLink(link: SifDescriptor['link']): string {
  return !link ? 'nothing' : 'group' in link ? `group ${link.group}` : `object ${link.object}`;
}

/**
 * The descriptor fields a signature covers (pkg/sif Descriptor.GetIntegrityReader): data type,
 * used, the ID relative to its group's lowest, link, size, creation time, UID and GID, all
 * little-endian, then the name and the extra field as stored.
 */
function descriptorIntegrityBytes(d: SifDescriptor, relativeId: number): Uint8Array {
  const raw = d.raw;
  const fields = new Uint8Array(4 + 1 + 4 + 4 + 8 + 8 + 8 + 8);
  const view = new DataView(fields.buffer);
  fields.set(raw.subarray(0, 5), 0); // data type, used
  view.setUint32(5, relativeId >>> 0, true);
  fields.set(raw.subarray(13, 17), 9); // link
  fields.set(raw.subarray(25, 33), 13); // size
  fields.set(raw.subarray(41, 49), 21); // created
  fields.set(raw.subarray(57, 73), 29); // UID, GID
  return Buffer.concat([fields, raw.subarray(73, 585)]);
}

function parseImageMetadata(text: string): ImageMetadata | undefined {
  const value = parseJson(text) as Partial<ImageMetadata> & { version?: unknown } | undefined;
  if (!value || value.version !== 1 || typeof value.header?.digest !== 'string' || !Array.isArray(value.objects) || value.objects.length > 4096) return undefined;
  const objects = value.objects.filter((o) => Number.isInteger(o?.relativeId) && o.relativeId >= 0 && typeof o.descriptorDigest === 'string' && typeof o.objectDigest === 'string');
  return objects.length === value.objects.length ? { header: value.header, objects } : undefined;
}

function legacyDigest(text: string, hash: string): { algorithm: string; value: string } | undefined {
  const value = /^SIFHASH:\r?\n([0-9a-f]+)\s*$/i.exec(text)?.[1]?.toLowerCase();
  const algorithm = DIGESTS[hash];
  return value && algorithm ? { algorithm, value } : undefined;
}

function splitDigest(digest: string): { algorithm: string; value: string } | undefined {
  const [name, value] = digest.split(':');
  const algorithm = name ? DIGESTS[name] : undefined;
  return algorithm && value && /^[0-9a-f]+$/.test(value) ? { algorithm, value } : undefined;
}

function digestOf(algorithm: string, parts: Uint8Array[]): string {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

// ---- Who signed it ----

/** A registry's signer keys: PGP public keys, and the PEM keys DSSE signatures are made with. */
export interface SignerKeys {
  pgp: openpgp.Key[];
  pem: { name: string; key: KeyObject }[];
}

export type Signer =
  | { status: 'verified'; fingerprint?: string; name: string; keyResigned?: true }
  | { status: 'unknown-key'; fingerprint?: string }
  | { status: 'invalid'; fingerprint?: string; problem: string };

/** Reads armored PGP keys (public or private: only the public part is kept) and PEM public keys. */
export async function readSignerKeys(files: { name: string; text: string }[]): Promise<SignerKeys> {
  const keys: SignerKeys = { pgp: [], pem: [] };
  for (const { name, text } of files) {
    const parsed = await parseKeyFile(text);
    if (parsed.kind === 'pgp') keys.pgp.push(...parsed.keys.map((key) => (key.isPrivate() ? key.toPublic() : key)));
    else if (parsed.kind === 'pem') keys.pem.push({ name: name.replace(/\.pem$/, ''), key: parsed.key });
  }
  return keys;
}

export type KeyFile = { kind: 'pgp'; keys: openpgp.Key[] } | { kind: 'pem'; key: KeyObject; private: boolean } | { kind: 'none' };

/** What a key file holds: armored PGP keys, a PEM key (public, or private: the caller refuses it), or neither. Throws on a damaged key. */
export async function parseKeyFile(text: string): Promise<KeyFile> {
  if (text.includes('-----BEGIN PGP')) return { kind: 'pgp', keys: await openpgp.readKeys({ armoredKeys: text }) };
  if (/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(text)) return { kind: 'pem', key: createPublicKey(text), private: true };
  if (text.includes('-----BEGIN PUBLIC KEY-----')) return { kind: 'pem', key: createPublicKey(text), private: false };
  // An x509 certificate (`apptainer sign --certificate`): its public key.
  if (text.includes('-----BEGIN CERTIFICATE-----')) return { kind: 'pem', key: new X509Certificate(text).publicKey, private: false };
  return { kind: 'none' };
}

/** The fingerprint of a PGP key as SIF descriptors carry it: 40 upper-case hex digits. */
export function keyFingerprint(key: openpgp.Key): string {
  return key.getFingerprint().toUpperCase();
}

/** Who made `signature`, against `keys`: its message's signature checked, and the key the descriptor names. */
export async function checkSigner(signature: Pick<SifSignature, 'format' | 'fingerprint' | 'message' | 'hash'>, keys: SignerKeys): Promise<Signer> {
  const { fingerprint } = signature;
  if (signature.format === 'dsse') return checkDsse(signature.message, signature.hash, keys);
  if (signature.format === 'unknown') return { status: 'invalid', fingerprint, problem: 'not a signature format sifhub knows' };
  const key = keys.pgp.find((k) => fingerprint !== undefined && keyFingerprint(k) === fingerprint);
  if (!key) return { status: 'unknown-key', fingerprint };
  const name = key.getUserIDs()[0] ?? fingerprint!;
  const attempt = async (config?: Partial<openpgp.Config>) => {
    const message = await openpgp.readCleartextMessage({ cleartextMessage: signature.message });
    const { signatures } = await openpgp.verify({ message, verificationKeys: key, expectSigned: false, config });
    if (signatures.length !== 1) throw new Error(`expected one signature, found ${signatures.length}`);
    await signatures[0]!.verified;
  };
  try {
    await attempt();
    return { status: 'verified', fingerprint, name };
  } catch (error) {
    // openpgp.js judges a key by its self-signatures at the time of signing; one re-self-signed
    // since (as `apptainer key` tools do when a user ID or expiry changes) has none that old. Go's
    // library, and so apptainer verify, accept it: so do we, and say so.
    try {
      await attempt({ allowInsecureVerificationWithReformattedKeys: true });
      return { status: 'verified', fingerprint, name, keyResigned: true };
    } catch {
      return { status: 'invalid', fingerprint, problem: (error as Error).message };
    }
  }
}

/** A DSSE envelope (sigstore's, for x509 or raw keys): any of its signatures by any known PEM key. */
function checkDsse(message: string, hash: string, keys: SignerKeys): Signer {
  const envelope = parseJson(message) as { payloadType?: unknown; payload?: unknown; signatures?: unknown } | undefined;
  if (typeof envelope?.payload !== 'string' || !Array.isArray(envelope.signatures)) return { status: 'invalid', problem: 'not a DSSE envelope' };
  const payload = Buffer.from(envelope.payload, 'base64');
  const type = Buffer.from(DSSE_PAYLOAD_TYPE);
  // DSSE's pre-authentication encoding: what each signature signs.
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
  const algorithm = DIGESTS[hash] ?? 'sha256';
  for (const entry of envelope.signatures.slice(0, 16) as { sig?: unknown }[]) {
    if (typeof entry?.sig !== 'string') continue;
    const sig = Buffer.from(entry.sig, 'base64');
    for (const { name, key } of keys.pem) {
      try {
        if (verifySignature(key.asymmetricKeyType === 'ed25519' ? null : algorithm, pae, key, sig)) return { status: 'verified', name };
      } catch {
        // A key of another type: not this one.
      }
    }
  }
  return { status: 'unknown-key' };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One armored block holding every PGP key given: what a keyserver answers a lookup with (Go's
 * ReadArmoredKeyRing, which apptainer uses, reads a single armored block).
 */
export async function armoredKeyring(armoredKeys: readonly string[]): Promise<string> {
  if (armoredKeys.length === 0) return '';
  const keys = await Promise.all(armoredKeys.map((armoredKey) => openpgp.readKey({ armoredKey })));
  const bytes = Buffer.concat(keys.map((key) => key.write()));
  return openpgp.armor(openpgp.enums.armor.publicKey, bytes);
}
