import { FormatError } from '../errors.ts';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import xzDecompress from 'xz-decompress';

/** Decompresses one squashfs block, refusing output larger than `maxBytes` (a bomb is an error). */
export type Decompress = (compressed: Uint8Array, maxBytes: number) => Promise<Uint8Array>;

// A UMD bundle: Node sees only its default export.
const { XzReadableStream } = xzDecompress;
const inflate = promisify(zlib.inflate);
const zstd = promisify(zlib.zstdDecompress);

// squashfs compressor ids (squashfs_fs.h). The builders use gzip (Singularity's default) and,
// on request, zstd or xz; lzma, lzo and lz4 squashfs images are rare enough to refuse clearly.
const COMPRESSORS: Record<number, { name: string; decompress?: Decompress }> = {
  1: { name: 'gzip', decompress: (bytes, maxBytes) => inflate(bytes, { maxOutputLength: maxBytes }).then(asBytes, zlibError('gzip')) },
  2: { name: 'lzma' },
  3: { name: 'lzo' },
  4: { name: 'xz', decompress: xz },
  5: { name: 'lz4' },
  6: { name: 'zstd', decompress: (bytes, maxBytes) => zstd(bytes, { maxOutputLength: maxBytes }).then(asBytes, zlibError('zstd')) },
};

export function squashfsDecompressor(id: number): { name: string; decompress: Decompress } {
  const compressor = COMPRESSORS[id];
  if (!compressor) throw new FormatError(`the squashfs names compressor ${id}, which does not exist`);
  if (!compressor.decompress) throw new FormatError(`the squashfs is ${compressor.name}-compressed; sifhub reads gzip, xz and zstd squashfs (rebuild with the default gzip)`);
  return { name: compressor.name, decompress: compressor.decompress };
}

const asBytes = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

function zlibError(name: string) {
  return (error: Error & { code?: string }): never => {
    if (error.code === 'ERR_BUFFER_TOO_LARGE') throw new FormatError(`a ${name} block decompresses to more than a squashfs block may hold`);
    throw new FormatError(`a ${name} block is corrupt (${error.message})`);
  };
}

/** xz-decompress is WebAssembly with a web-stream interface; stop reading once past the cap. */
async function xz(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = new XzReadableStream(input).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new FormatError('an xz block decompresses to more than a squashfs block may hold');
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError(`an xz block is corrupt (${(error as Error).message})`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
