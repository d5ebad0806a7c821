import { FormatError } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';
import { readSif, type Sif, type SifDescriptor } from './read-sif.ts';

// Which architecture an image is for, as `sifhub inspect` reports it and a record states it: its
// primary partition's, else its header's. `sifhub verify` checks a record's claim against the
// downloaded bytes, so a tag of several architectures cannot hand a client another one's image.

/** The primary system partition: the one a container runs from. */
export function primaryPartition(descriptors: readonly SifDescriptor[]): SifDescriptor | undefined {
  const partitions = descriptors.filter((d) => d.type === 'FS');
  return partitions.find((d) => d.partition?.type === 'primary-system') ?? partitions.find((d) => d.partition?.type === 'system');
}

export function architectureOf(sif: Sif): string | undefined {
  return primaryPartition(sif.descriptors)?.partition?.architecture ?? sif.header.architecture;
}

/** The header and descriptor table come first; past this many bytes a file is not one to trust. */
export const ARCHITECTURE_PREFIX = 4 * 1024 * 1024;

/**
 * The architecture of an image of `size` bytes from its first bytes (at least its header and
 * descriptor table); a FormatError when they do not hold them.
 */
export async function architectureOfPrefix(prefix: Uint8Array, size: number): Promise<string | undefined> {
  const source: ByteSource = {
    size,
    read: (offset, length) => (offset + length <= prefix.length ? Promise.resolve(prefix.subarray(offset, offset + length)) : Promise.reject(new FormatError(`its descriptor table is not within its first ${ARCHITECTURE_PREFIX.toLocaleString('en')} bytes`))),
  };
  return architectureOf(await readSif(source));
}
