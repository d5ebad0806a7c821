import { createHash } from 'node:crypto';
import { FormatError } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';
import { readSif, type Sif } from './read-sif.ts';
import { formatOf, planIntegrity, RangeHasher, type IntegrityPlan, type SifSignature } from './sif-signatures-node.ts';

// What a tag record says about its image's signatures, checked against the image's bytes as they
// are downloaded once (`sifhub verify`): the image holds exactly these signature objects, each
// message as recorded, and each covers the recorded objects unchanged, or has the recorded
// change. The record's claims are what the site shows; a pull request cannot make them up.

/** One record signature: what it claims. */
export interface SignatureClaim {
  message?: string;
  objects?: number[];
  tampered?: string;
}

/** The SIF header and descriptor table come first; past this many bytes a file is not one to trust. */
const MAX_TABLE_END = 4 * 1024 * 1024;
const HEADER = 128;

export class SignatureClaimCheck {
  readonly #size: number;
  readonly #claims: readonly SignatureClaim[];
  #prefix: Uint8Array[] = [];
  #prefixLength = 0;
  #started?: { sif: Sif; plan: IntegrityPlan; hasher: RangeHasher; objects: { key: string; expected: string }[] };
  #problem?: string;

  constructor(size: number, claims: readonly SignatureClaim[]) {
    this.#size = size;
    this.#claims = claims;
  }

  /** The image's bytes at `offset`, in file order, as they arrive. */
  async update(offset: number, chunk: Uint8Array): Promise<void> {
    if (this.#problem) return;
    if (this.#started) return this.#started.hasher.update(offset, chunk);
    this.#prefix.push(chunk);
    this.#prefixLength += chunk.length;
    const prefix = Buffer.concat(this.#prefix);
    if (prefix.length < HEADER) return;
    const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
    const tableEnd = Number(view.getBigInt64(96, true)) + Number(view.getBigInt64(88, true)) * 585;
    if (!(tableEnd > 0 && tableEnd <= MAX_TABLE_END)) {
      this.#problem = 'its signatures cannot be checked: the SIF descriptor table is not near the start of the file';
      return;
    }
    if (prefix.length < tableEnd && this.#prefixLength < this.#size) return;
    await this.#start(prefix);
  }

  async #start(prefix: Buffer): Promise<void> {
    // The header and descriptors are read from the bytes so far; the file's size is the record's.
    const source: ByteSource = {
      size: this.#size,
      read: (offset, length) => (offset + length <= prefix.length ? Promise.resolve(prefix.subarray(offset, offset + length)) : Promise.reject(new FormatError('read past the start of the file'))),
    };
    let sif: Sif;
    try {
      sif = await readSif(source);
    } catch (error) {
      this.#problem = `its signatures cannot be checked: ${(error as Error).message}`;
      return;
    }
    const found = sif.descriptors.filter((d) => d.type === 'Signature').slice(0, 64);
    if (found.length !== this.#claims.length) {
      this.#problem = `the image holds ${found.length} signature${found.length === 1 ? '' : 's'}, the record lists ${this.#claims.length}: record them as \`sifhub inspect --record\` writes them`;
      return;
    }
    const signatures: SifSignature[] = found.map((d, i) => {
      const message = this.#claims[i]!.message ?? '';
      return { id: d.id, format: formatOf(message), hash: d.signature?.hash ?? 'unknown', fingerprint: d.signature && !/^0+$/.test(d.signature.fingerprint) ? d.signature.fingerprint : undefined, link: d.link, message };
    });
    const plan = await planIntegrity(sif, signatures);
    // Each signature object's bytes, to match the recorded message.
    const objects = found.flatMap((d, i) => {
      const message = this.#claims[i]!.message;
      return message === undefined ? [] : [{ key: `message:${d.id}`, expected: createHash('sha256').update(message).digest('hex'), range: { offset: d.offset, size: d.size } }];
    });
    const hasher = new RangeHasher([...plan.ranges, ...objects.map((o) => ({ key: o.key, algorithm: 'sha256', ranges: [o.range] }))]);
    hasher.update(0, prefix);
    this.#started = { sif, plan, hasher, objects };
  }

  /** Undefined when the record's claims hold; else what does not, in one sentence. */
  async result(): Promise<string | undefined> {
    if (this.#problem) return this.#problem;
    if (!this.#started) await this.#start(Buffer.concat(this.#prefix));
    if (this.#problem) return this.#problem;
    const { plan, hasher, objects } = this.#started!;
    const digests = hasher.digests();
    for (const [i, o] of objects.entries()) {
      if (digests.get(o.key) !== o.expected) return `signature ${i + 1}'s message is not the image's: record it as \`sifhub inspect --record\` writes it`;
    }
    for (const [i, answer] of plan.judge(digests).entries()) {
      const claim = this.#claims[i]!;
      if (claim.message === undefined) continue;
      if (answer.intact) {
        if (claim.tampered !== undefined) return `signature ${i + 1}: the record says "${claim.tampered}", but the image is unchanged since signing`;
        if (claim.objects !== undefined && claim.objects.join(',') !== answer.objects.join(',')) return `signature ${i + 1} covers objects ${answer.objects.join(', ')}, the record says ${claim.objects.join(', ')}`;
      } else if (claim.tampered !== answer.problem) {
        return `signature ${i + 1}: ${answer.problem}, ${claim.tampered === undefined ? 'which the record does not say' : `the record says "${claim.tampered}"`}`;
      }
    }
    return undefined;
  }
}
