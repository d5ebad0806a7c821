import { FormatError } from '../errors.ts';
import { openFileSource } from './byte-source-fs.ts';
import { squashfsDecompressor } from './decompress-node.ts';
import { inspectSif, type SifInspection } from './inspect-sif.ts';

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
