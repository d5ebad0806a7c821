import { FormatError } from '../errors.ts';
import { openFileSource } from './byte-source-fs.ts';
import { squashfsDecompressor } from './decompress-node.ts';
import type { Progress } from '../progress.ts';
import { hashFile, type FileHashes } from './hash-file-fs.ts';
import { inspectSif, withIntegrity, type ImageMetadata, type SifInspection } from './inspect-sif.ts';
import { RangeHasher } from './sif-signatures-node.ts';

/** Inspects a SIF on disk; a malformed file is a FormatError whose message starts with the file name. */
export async function inspectFile(file: string): Promise<SifInspection> {
  const source = await openFileSource(file);
  try {
    return await inspectSif(source, squashfsDecompressor);
  } catch (error) {
    if (error instanceof FormatError) throw new FormatError(`${file}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    await source.close();
  }
}

/**
 * The file's sha256, md5 and size, and its metadata with each signature checked against the
 * bytes (unchanged since signing, or what changed): one read of the whole file for both.
 */
export async function hashInspected(file: string, inspection: SifInspection, progress?: Progress): Promise<{ hashes: FileHashes; metadata: ImageMetadata }> {
  const ranges = new RangeHasher(inspection.integrity.ranges);
  const hashes = await hashFile(file, progress, (offset, chunk) => ranges.update(offset, chunk));
  return { hashes, metadata: withIntegrity(inspection.metadata, inspection.integrity, ranges.digests()) };
}
