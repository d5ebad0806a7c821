import { FormatError } from '../errors.ts';
import { open, type FileHandle } from 'node:fs/promises';
import { type ByteSource } from './byte-source.ts';

/** A file on disk as a ByteSource; close it when done. */
export async function openFileSource(file: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle: FileHandle = await open(file, 'r');
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw new FormatError(`a read at ${offset} of ${length} bytes runs past the end of the file (${size} bytes)`);
      const buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) throw new FormatError(`the file ended at ${offset + done} bytes while reading (it shrank while being read?)`);
        done += bytesRead;
      }
      return buffer;
    },
    close: () => handle.close(),
  };
}
