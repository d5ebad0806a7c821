import { FormatError } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';
import type { Decompress } from './decompress-node.ts';

// A minimal read-only squashfs 4.0 reader (squashfs_fs.h; "Squashfs binary format" by
// D. Habermann): enough to find a few small files by path. Everything in the image is
// untrusted: every offset is checked by the byte source, every loop is bounded, every
// decompression is capped, and symlinks are followed at most MAX_SYMLINKS times.

const SUPERBLOCK_SIZE = 96;
const MAGIC = 0x73717368; // "hsqs"
const METADATA_BLOCK = 8192;
const NO_FRAGMENT = 0xffffffff;
const UNCOMPRESSED_BLOCK = 1 << 24;
const MAX_SYMLINKS = 40;
/** Enough for any directory a registry cares about (/, /etc, /scif/apps); bigger is refused. */
const MAX_DIRECTORY_BYTES = 4 * 1024 * 1024;
const MAX_PATH_DEPTH = 64;

const FLAG_NO_FRAGMENTS = 0x10;

export type Compressor = (id: number) => { name: string; decompress: Decompress };

export interface Squashfs {
  compression: string;
  blockSize: number;
  /**
   * The file at `path` (absolute, symlinks followed), or undefined when there is none. Larger
   * than `maxBytes` is an error naming the file, never a partial read.
   */
  readFile(path: string, maxBytes: number): Promise<Uint8Array | undefined>;
  /** Names in the directory at `path`, or undefined when it is not a directory. */
  listDirectory(path: string): Promise<string[] | undefined>;
}

type Inode =
  | { kind: 'directory'; start: number; offset: number; size: number }
  | { kind: 'file'; blocksStart: number; size: number; fragment: number; fragmentOffset: number; blockCount: number }
  | { kind: 'symlink'; target: string }
  | { kind: 'other' };

interface DirectoryEntry {
  name: string;
  /** Inode reference: metadata block start (relative to the inode table) and offset in it. */
  block: number;
  offset: number;
}

export async function readSquashfs(source: ByteSource, compressor: Compressor): Promise<Squashfs> {
  if (source.size < SUPERBLOCK_SIZE) throw new FormatError(`the squashfs partition is ${source.size} bytes, smaller than a superblock`);
  const sb = await source.read(0, SUPERBLOCK_SIZE);
  const v = new DataView(sb.buffer, sb.byteOffset, sb.byteLength);
  if (v.getUint32(0, true) !== MAGIC) throw new FormatError('the system partition is not a squashfs (bad magic)');
  const blockSize = v.getUint32(12, true);
  const blockLog = v.getUint16(22, true);
  if (blockSize < 4096 || blockSize > 1024 * 1024 || 1 << blockLog !== blockSize) throw new FormatError(`the squashfs block size ${blockSize} is not a power of two between 4 KiB and 1 MiB`);
  const major = v.getUint16(28, true);
  if (major !== 4) throw new FormatError(`squashfs version ${major}.${v.getUint16(30, true)} is not supported (4.0 is)`);
  const { name: compression, decompress } = compressor(v.getUint16(20, true));
  const flags = v.getUint16(24, true);
  const fragmentCount = v.getUint32(16, true);
  const rootRef = v.getBigUint64(32, true);
  const inodeTable = u64(v, 64, 'inode table start', source.size);
  const directoryTable = u64(v, 72, 'directory table start', source.size);
  const fragmentTable = flags & FLAG_NO_FRAGMENTS ? source.size : u64(v, 80, 'fragment table start', source.size);

  /** Decompressed metadata blocks by absolute position: each is read once. */
  const blocks = new Map<number, Promise<{ data: Uint8Array; next: number }>>();
  function metadataBlock(position: number): Promise<{ data: Uint8Array; next: number }> {
    let block = blocks.get(position);
    if (!block) {
      block = (async () => {
        const h = await source.read(position, 2);
        const header = h[0]! | (h[1]! << 8);
        const length = header & 0x7fff;
        if (length === 0) throw new FormatError(`a squashfs metadata block at ${position} has length 0`);
        const raw = await source.read(position + 2, length);
        const data = header & 0x8000 ? raw : await decompress(raw, METADATA_BLOCK);
        return { data, next: position + 2 + length };
      })();
      blocks.set(position, block);
    }
    return block;
  }

  /** `length` bytes of a metadata stream (inode or directory table) from a block and offset. */
  async function metadata(table: number, block: number, offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let position = table + block;
    let at = offset;
    let filled = 0;
    while (filled < length) {
      const { data, next } = await metadataBlock(position);
      if (at > data.length || data.length === 0) throw new FormatError(`a squashfs metadata reference points at offset ${at} of a ${data.length}-byte block`);
      const take = Math.min(length - filled, data.length - at);
      out.set(data.subarray(at, at + take), filled);
      filled += take;
      position = next;
      at = 0;
    }
    return out;
  }

  async function inode(block: number, offset: number): Promise<Inode> {
    const base = await metadata(inodeTable, block, offset, 16);
    const type = base[0]! | (base[1]! << 8);
    const body = (n: number) => metadata(inodeTable, block, offset, 16 + n).then((b) => new DataView(b.buffer, b.byteOffset + 16, n));
    switch (type) {
      case 1: {
        const d = await body(16);
        return { kind: 'directory', start: d.getUint32(0, true), size: d.getUint16(8, true), offset: d.getUint16(10, true) };
      }
      case 8: {
        const d = await body(24);
        return { kind: 'directory', size: d.getUint32(4, true), start: d.getUint32(8, true), offset: d.getUint16(18, true) };
      }
      case 2:
      case 9: {
        const extended = type === 9;
        const fixed = extended ? 40 : 16;
        const d = await body(fixed);
        const blocksStart = extended ? Number(d.getBigUint64(0, true)) : d.getUint32(0, true);
        const size = extended ? Number(d.getBigUint64(8, true)) : d.getUint32(12, true);
        const fragment = d.getUint32(extended ? 28 : 4, true);
        const fragmentOffset = d.getUint32(extended ? 32 : 8, true);
        if (!Number.isSafeInteger(size)) throw new FormatError('a squashfs file claims an impossible size');
        const count = fragment === NO_FRAGMENT ? Math.ceil(size / blockSize) : Math.floor(size / blockSize);
        // Block sizes are read only for files we mean to read (see readFile).
        return { kind: 'file', blocksStart, size, fragment, fragmentOffset, blockCount: count };
      }
      case 3:
      case 10: {
        const d = await body(8);
        const length = d.getUint32(4, true);
        if (length > 4096) throw new FormatError(`a squashfs symlink claims a ${length}-byte target (at most 4096)`);
        const all = await metadata(inodeTable, block, offset, 24 + length);
        return { kind: 'symlink', target: new TextDecoder().decode(all.subarray(24)) };
      }
      default:
        if (type >= 4 && type <= 14) return { kind: 'other' };
        throw new FormatError(`a squashfs inode has type ${type}, which does not exist`);
    }
  }

  async function blockSizesOf(node: Extract<Inode, { kind: 'file' }>, block: number, offset: number, extended: boolean): Promise<number[]> {
    const fixed = 16 + (extended ? 40 : 16);
    const count = node.blockCount;
    const bytes = await metadata(inodeTable, block, offset, fixed + count * 4);
    const d = new DataView(bytes.buffer, bytes.byteOffset + fixed, count * 4);
    return Array.from({ length: count }, (_, i) => d.getUint32(i * 4, true));
  }

  async function directoryEntries(dir: Extract<Inode, { kind: 'directory' }>): Promise<DirectoryEntry[]> {
    // The stored size counts 3 bytes for the implicit "." and "..".
    const length = dir.size - 3;
    if (length <= 0) return [];
    if (length > MAX_DIRECTORY_BYTES) throw new FormatError(`a squashfs directory claims ${length} bytes of entries`);
    const bytes = await metadata(directoryTable, dir.start, dir.offset, length);
    const d = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const entries: DirectoryEntry[] = [];
    let at = 0;
    while (at + 12 <= length) {
      const count = d.getUint32(at, true) + 1;
      const start = d.getUint32(at + 4, true);
      at += 12;
      if (count > 256) throw new FormatError(`a squashfs directory header claims ${count} entries (at most 256)`);
      for (let i = 0; i < count; i++) {
        if (at + 8 > length) throw new FormatError('a squashfs directory entry runs past its directory');
        const offset = d.getUint16(at, true);
        const nameLength = d.getUint16(at + 6, true) + 1;
        if (at + 8 + nameLength > length) throw new FormatError('a squashfs directory entry name runs past its directory');
        entries.push({ name: new TextDecoder().decode(bytes.subarray(at + 8, at + 8 + nameLength)), block: start, offset });
        at += 8 + nameLength;
      }
    }
    return entries;
  }

  interface Resolved {
    node: Inode;
    block: number;
    offset: number;
    type: number;
  }

  async function load(block: number, offset: number): Promise<Resolved> {
    const base = await metadata(inodeTable, block, offset, 2);
    return { node: await inode(block, offset), block, offset, type: base[0]! | (base[1]! << 8) };
  }

  /** Walks `path` from the root, following symlinks (relative and absolute) a bounded number of times. */
  async function resolve(path: string): Promise<Resolved | undefined> {
    const root = await load(Number(rootRef >> 16n), Number(rootRef & 0xffffn));
    let pending = path.split('/').filter((p) => p !== '' && p !== '.');
    const stack: Resolved[] = [root];
    let hops = 0;
    while (pending.length > 0) {
      if (stack.length > MAX_PATH_DEPTH || pending.length > MAX_PATH_DEPTH * 4) throw new FormatError(`the path ${path} is nested too deeply in the squashfs`);
      const name = pending.shift()!;
      if (name === '..') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const here = stack.at(-1)!.node;
      if (here.kind !== 'directory') return undefined;
      const entry = (await directoryEntries(here)).find((e) => e.name === name);
      if (!entry) return undefined;
      const next = await load(entry.block, entry.offset);
      if (next.node.kind === 'symlink') {
        if (++hops > MAX_SYMLINKS) throw new FormatError(`too many symlinks while resolving ${path} in the squashfs (a loop?)`);
        const parts = next.node.target.split('/').filter((p) => p !== '' && p !== '.');
        if (next.node.target.startsWith('/')) stack.splice(1);
        pending = [...parts, ...pending];
        continue;
      }
      stack.push(next);
    }
    return stack.at(-1);
  }

  const fragments = new Map<number, Promise<Uint8Array>>();
  function fragmentBlock(index: number): Promise<Uint8Array> {
    let fragment = fragments.get(index);
    if (!fragment) {
      fragment = (async () => {
        if (index >= fragmentCount) throw new FormatError(`a squashfs file names fragment ${index} of ${fragmentCount}`);
        // The fragment table is a list of u64 pointers to metadata blocks of 16-byte entries.
        const pointerBytes = await source.read(fragmentTable + Math.floor(index / 512) * 8, 8);
        const pointer = u64(new DataView(pointerBytes.buffer, pointerBytes.byteOffset, 8), 0, 'fragment table pointer', source.size);
        const entry = await metadata(pointer, 0, (index % 512) * 16, 16);
        const e = new DataView(entry.buffer, entry.byteOffset, 16);
        const start = u64(e, 0, 'fragment start', source.size);
        return dataBlock(start, e.getUint32(8, true));
      })();
      fragments.set(index, fragment);
    }
    return fragment;
  }

  async function dataBlock(start: number, sizeField: number): Promise<Uint8Array> {
    const length = sizeField & (UNCOMPRESSED_BLOCK - 1);
    if (length === 0) return new Uint8Array(blockSize); // a sparse block
    if (length > blockSize + 1024) throw new FormatError(`a squashfs data block claims ${length} bytes (the block size is ${blockSize})`);
    const raw = await source.read(start, length);
    return sizeField & UNCOMPRESSED_BLOCK ? raw : decompress(raw, blockSize);
  }

  return {
    compression,
    blockSize,
    async readFile(path, maxBytes) {
      const found = await resolve(path);
      if (!found || found.node.kind !== 'file') return undefined;
      const file = found.node;
      if (file.size > maxBytes) throw new FormatError(`${path} in the squashfs is ${file.size} bytes, more than the ${maxBytes} sifhub reads`);
      const sizes = await blockSizesOf(file, found.block, found.offset, found.type === 9);
      const out = new Uint8Array(file.size);
      let position = file.blocksStart;
      let filled = 0;
      for (const sizeField of sizes) {
        const data = await dataBlock(position, sizeField);
        const take = Math.min(blockSize, file.size - filled);
        if (data.length < take) throw new FormatError(`${path} in the squashfs has a short data block`);
        out.set(data.subarray(0, take), filled);
        filled += take;
        position += sizeField & (UNCOMPRESSED_BLOCK - 1);
      }
      if (filled < file.size) {
        if (file.fragment === NO_FRAGMENT) throw new FormatError(`${path} in the squashfs is shorter than its size`);
        const fragment = await fragmentBlock(file.fragment);
        const tail = file.size - filled;
        if (file.fragmentOffset + tail > fragment.length) throw new FormatError(`${path} in the squashfs points past the end of its fragment`);
        out.set(fragment.subarray(file.fragmentOffset, file.fragmentOffset + tail), filled);
      }
      return out;
    },
    async listDirectory(path) {
      const found = await resolve(path);
      if (!found || found.node.kind !== 'directory') return undefined;
      return (await directoryEntries(found.node)).map((e) => e.name);
    },
  };
}

function u64(view: DataView, at: number, what: string, limit: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(limit)) throw new FormatError(`the squashfs ${what} (${value}) lies past the end of the partition (${limit} bytes)`);
  return Number(value);
}
