/**
 * Random access to the bytes of an image, so a multi-GB SIF is never read whole. Every reader
 * in src/sif/ works over this and nothing else; a read past the end is a `FormatError`, which
 * is how a truncated file or a lying offset is reported.
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

import { FormatError } from '../errors.ts';

/** A window [offset, offset + size) of another source, e.g. one partition of a SIF. */
export function sliceSource(source: ByteSource, offset: number, size: number, what: string): ByteSource {
  if (offset < 0 || size < 0 || offset + size > source.size) {
    throw new FormatError(`${what} lies at bytes ${offset}–${offset + size}, past the end of the file (${source.size} bytes)`);
  }
  return {
    size,
    read(at, length) {
      if (at < 0 || length < 0 || at + length > size) return Promise.reject(new FormatError(`${what}: a read at ${at} of ${length} bytes runs past its end (${size} bytes)`));
      return source.read(offset + at, length);
    },
  };
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.length) {
        return Promise.reject(new FormatError(`a read at ${offset} of ${length} bytes runs past the end of the file (${bytes.length} bytes)`));
      }
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

/** NUL-terminated text from a fixed-size field. */
export function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}
