// Writes a SIF the way siflib lays one out (128-byte header, 585-byte descriptors, objects
// after the table), so tests can wrap any payload, e.g. an xz squashfs, in an image.

export interface SifObject {
  /** 0x4001 Def.FILE, 0x4003 JSON.Labels, 0x4004 FS, 0x4005 Signature, 0x4006 JSON.Generic … */
  type: number;
  data: Uint8Array;
  name?: string;
  /** For FS: [fs, partition type, arch code], e.g. [1, 2, '02'] = squashfs, primary system, amd64. */
  partition?: [number, number, string];
}

const SLOTS = 48;
const ALIGN = 4096;

export function writeSif(objects: SifObject[], arch = '02', created = 1706788800): Uint8Array {
  const tableOffset = 4096;
  let offset = tableOffset + SLOTS * 585;
  const placed = objects.map((o) => {
    offset = Math.ceil(offset / ALIGN) * ALIGN;
    const at = offset;
    offset += o.data.length;
    return at;
  });
  const out = new Uint8Array(offset);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string) => out.set(new TextEncoder().encode(text), at);
  ascii(0, '#!/usr/bin/env run-singularity\n');
  ascii(32, 'SIF_MAGIC');
  ascii(42, '01');
  ascii(45, arch);
  view.setBigInt64(64, BigInt(created), true);
  view.setBigInt64(72, BigInt(created), true);
  view.setBigInt64(80, BigInt(SLOTS - objects.length), true);
  view.setBigInt64(88, BigInt(SLOTS), true);
  view.setBigInt64(96, BigInt(tableOffset), true);
  view.setBigInt64(104, BigInt(SLOTS * 585), true);
  view.setBigInt64(112, BigInt(tableOffset + SLOTS * 585), true);
  view.setBigInt64(120, BigInt(offset - tableOffset - SLOTS * 585), true);
  objects.forEach((o, i) => {
    const d = tableOffset + i * 585;
    view.setInt32(d, o.type, true);
    out[d + 4] = 1;
    view.setUint32(d + 5, i + 1, true);
    view.setUint32(d + 9, 0xf0000001, true);
    view.setBigInt64(d + 17, BigInt(placed[i]!), true);
    view.setBigInt64(d + 25, BigInt(o.data.length), true);
    view.setBigInt64(d + 33, BigInt(o.data.length), true);
    view.setBigInt64(d + 41, BigInt(created), true);
    view.setBigInt64(d + 49, BigInt(created), true);
    if (o.name) ascii(d + 73, o.name);
    if (o.partition) {
      view.setInt32(d + 201, o.partition[0], true);
      view.setInt32(d + 205, o.partition[1], true);
      ascii(d + 209, o.partition[2]);
    }
    out.set(o.data, placed[i]!);
  });
  return out;
}
