import { FormatError } from '../errors.ts';
import { cString, type ByteSource } from './byte-source.ts';

// The Singularity Image Format as github.com/sylabs/sif (pkg/sif) writes it: a 128-byte global
// header, a table of fixed 585-byte descriptors, then the data objects they point at. All
// integers are little-endian. The pre-release version "00" (2018) has the same layout.

const HEADER_SIZE = 128;
const DESCRIPTOR_SIZE = 585;
const MAGIC = 'SIF_MAGIC';
/** Singularity allocates 48 slots; siflib allows more, but nothing sane has thousands. */
const MAX_DESCRIPTORS = 4096;
/** IDs and link targets with this bit set name an object group, not an object. */
const GROUP_MASK = 0xf0000000;
/** Go's zero time.Time, which siflib writes when no time was set. */
const GO_ZERO_TIME = -62135596800;

const DATA_TYPES: Record<number, string> = {
  0x4001: 'Def.FILE',
  0x4002: 'Env.Vars',
  0x4003: 'JSON.Labels',
  0x4004: 'FS',
  0x4005: 'Signature',
  0x4006: 'JSON.Generic',
  0x4007: 'Generic/Raw',
  0x4008: 'Cryptographic Message',
  0x4009: 'SBOM',
  0x400a: 'OCI.RootIndex',
  0x400b: 'OCI.Blob',
};

// sif/pkg/sif/arch.go: the two-digit codes of the header and partition `arch` fields.
const ARCHES: Record<string, string> = {
  '01': '386', '02': 'amd64', '03': 'arm', '04': 'arm64', '05': 'ppc64', '06': 'ppc64le', '07': 'mips',
  '08': 'mipsle', '09': 'mips64', '10': 'mips64le', '11': 's390x', '12': 'riscv64',
};
const FS_TYPES: Record<number, string> = { 1: 'squashfs', 2: 'ext3', 3: 'immutable-object', 4: 'raw', 5: 'encrypted-squashfs' };
const PARTITION_TYPES: Record<number, string> = { 1: 'system', 2: 'primary-system', 3: 'data', 4: 'overlay' };
const HASH_TYPES: Record<number, string> = { 1: 'sha256', 2: 'sha384', 3: 'sha512', 4: 'blake2s-256', 5: 'blake2b-256' };
const SBOM_FORMATS: Record<number, string> = { 1: 'cyclonedx-json', 2: 'cyclonedx-xml', 3: 'github-json', 4: 'spdx-json', 5: 'spdx-rdf', 6: 'spdx-tag-value', 7: 'spdx-yaml', 8: 'syft-json' };

export interface SifHeader {
  launchScript: string;
  /** "01" for every released SIF; "00" for the 2018 pre-release format. */
  version: string;
  /** Go architecture name, or undefined when the header says "unknown" (00). */
  architecture?: string;
  id: string;
  created?: string;
  modified?: string;
  descriptorsTotal: number;
  descriptorsFree: number;
  dataOffset: number;
  dataSize: number;
}

export interface SifDescriptor {
  id: number;
  type: string;
  /** Object group (1-based), or undefined for an object outside any group. */
  group?: number;
  /** What this object describes, e.g. what a signature signs. */
  link?: { group: number } | { object: number };
  offset: number;
  size: number;
  name: string;
  created?: string;
  partition?: { fs: string; type: string; architecture?: string };
  signature?: { hash: string; fingerprint: string };
  sbom?: { format: string };
  cryptoMessage?: { format: number; message: number };
  /** OCI.Blob and OCI.RootIndex carry their digest in the extra field. */
  digest?: string;
  /** The descriptor's 585 bytes as stored: signatures cover some of them (sif-signatures-node.ts). */
  raw: Uint8Array;
}

export interface Sif {
  header: SifHeader;
  /** The header's first 64 bytes as stored (launch script, magic, version, architecture, ID). */
  headerRaw: Uint8Array;
  descriptors: SifDescriptor[];
}

/** Reads the header and every used descriptor, checking each points inside the file. */
export async function readSif(source: ByteSource): Promise<Sif> {
  if (source.size < HEADER_SIZE) throw new FormatError(`not a SIF file: ${source.size} bytes is shorter than a SIF header (128 bytes)`);
  const head = await source.read(0, HEADER_SIZE);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = cString(head.subarray(32, 42));
  if (magic !== MAGIC) throw new FormatError(`not a SIF file: expected the magic "SIF_MAGIC" at byte 32, found ${JSON.stringify(printable(head.subarray(32, 42)))}`);
  const version = cString(head.subarray(42, 45));
  if (version !== '01' && version !== '00') throw new FormatError(`unsupported SIF version "${printable(head.subarray(42, 45))}" (this reader knows 00 and 01)`);

  const descriptorsTotal = int64(view, 88, 'header descriptor count');
  const descriptorsOffset = int64(view, 96, 'header descriptor offset');
  const descriptorsSize = int64(view, 104, 'header descriptor size');
  if (descriptorsTotal < 0 || descriptorsTotal > MAX_DESCRIPTORS) throw new FormatError(`the header claims ${descriptorsTotal} descriptors (at most ${MAX_DESCRIPTORS} are believable)`);
  if (descriptorsSize < descriptorsTotal * DESCRIPTOR_SIZE) {
    throw new FormatError(`the header's descriptor table is ${descriptorsSize} bytes, too small for ${descriptorsTotal} descriptors of 585 bytes`);
  }
  if (descriptorsOffset < HEADER_SIZE || descriptorsOffset + descriptorsTotal * DESCRIPTOR_SIZE > source.size) {
    throw new FormatError(`the descriptor table (offset ${descriptorsOffset}, ${descriptorsTotal} × 585 bytes) lies outside the file (${source.size} bytes): truncated?`);
  }
  const header: SifHeader = {
    launchScript: cString(head.subarray(0, 32)),
    version,
    architecture: ARCHES[cString(head.subarray(45, 48))],
    id: uuid(head.subarray(48, 64)),
    created: time(int64(view, 64, 'created time')),
    modified: time(int64(view, 72, 'modified time')),
    descriptorsFree: int64(view, 80, 'free descriptor count'),
    descriptorsTotal,
    dataOffset: int64(view, 112, 'data offset'),
    dataSize: int64(view, 120, 'data size'),
  };

  const table = await source.read(descriptorsOffset, descriptorsTotal * DESCRIPTOR_SIZE);
  const descriptors: SifDescriptor[] = [];
  const ids = new Set<number>();
  for (let i = 0; i < descriptorsTotal; i++) {
    const raw = table.subarray(i * DESCRIPTOR_SIZE, (i + 1) * DESCRIPTOR_SIZE);
    const d = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (raw[4] === 0) continue; // an unused slot
    const descriptor = readDescriptor(raw, d, i);
    if (ids.has(descriptor.id)) throw new FormatError(`descriptor ${i + 1} repeats object id ${descriptor.id}`);
    ids.add(descriptor.id);
    if (descriptor.offset < 0 || descriptor.size < 0 || descriptor.offset + descriptor.size > source.size) {
      throw new FormatError(`object ${descriptor.id} (${descriptor.type}) lies at bytes ${descriptor.offset}–${descriptor.offset + descriptor.size}, past the end of the file (${source.size} bytes): truncated?`);
    }
    descriptors.push(descriptor);
  }
  return { header, headerRaw: head.slice(0, 64), descriptors };
}

function readDescriptor(raw: Uint8Array, d: DataView, index: number): SifDescriptor {
  const code = d.getInt32(0, true);
  const type = DATA_TYPES[code] ?? `unknown (0x${(code >>> 0).toString(16)})`;
  const groupRaw = d.getUint32(9, true);
  const linkRaw = d.getUint32(13, true);
  const where = `descriptor ${index + 1}`;
  const descriptor: SifDescriptor = {
    id: d.getUint32(5, true),
    type,
    // The pre-release format stores 0 for "no group", without the group mask.
    group: groupRaw & ~GROUP_MASK ? (groupRaw & ~GROUP_MASK) >>> 0 : undefined,
    link: linkRaw === 0 || linkRaw === GROUP_MASK ? undefined : linkRaw & GROUP_MASK ? { group: (linkRaw & ~GROUP_MASK) >>> 0 } : { object: linkRaw },
    offset: int64(d, 17, `${where} offset`),
    size: int64(d, 25, `${where} size`),
    name: cString(raw.subarray(73, 201)),
    created: time(int64(d, 41, `${where} created time`)),
    raw: raw.slice(),
  };
  const extra = raw.subarray(201, 585);
  const e = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  if (type === 'FS') {
    const fs = e.getInt32(0, true);
    const part = e.getInt32(4, true);
    descriptor.partition = { fs: FS_TYPES[fs] ?? `unknown (${fs})`, type: PARTITION_TYPES[part] ?? `unknown (${part})`, architecture: ARCHES[cString(extra.subarray(8, 11))] };
  } else if (type === 'Signature') {
    const hash = e.getInt32(0, true);
    descriptor.signature = { hash: HASH_TYPES[hash] ?? `unknown (${hash})`, fingerprint: hex(extra.subarray(4, 24)).toUpperCase() };
  } else if (type === 'SBOM') {
    const format = e.getInt32(0, true);
    descriptor.sbom = { format: SBOM_FORMATS[format] ?? `unknown (${format})` };
  } else if (type === 'Cryptographic Message') {
    descriptor.cryptoMessage = { format: e.getInt32(0, true), message: e.getInt32(4, true) };
  } else if (type === 'OCI.Blob' || type === 'OCI.RootIndex') {
    const digest = cString(extra);
    if (/^[a-z0-9]+:[0-9a-f]{32,128}$/.test(digest)) descriptor.digest = digest;
  }
  return descriptor;
}

/** An int64 as a JS number; anything past 2^53 is a lie in a file, not a size. */
function int64(view: DataView, at: number, what: string): number {
  const value = view.getBigInt64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new FormatError(`the ${what} (${value}) is not a believable number`);
  return Number(value);
}

function time(seconds: number): string | undefined {
  if (seconds === 0 || seconds === GO_ZERO_TIME) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace('.000Z', 'Z');
}

function uuid(bytes: Uint8Array): string {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const printable = (bytes: Uint8Array) => Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
