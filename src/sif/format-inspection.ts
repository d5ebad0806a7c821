import { formatBytes, plural } from '../site/format.ts';
import type { FileHashes } from './hash-file-fs.ts';
import type { SifInspection } from './inspect-sif.ts';

/** `sifhub inspect` for a person: the image's identity, then what the record will carry. */
export function formatInspection(file: string, { header, descriptors, squashfs, metadata, notes }: SifInspection, hashes?: FileHashes): string {
  const lines = [`${file}: SIF ${header.version}${metadata.oci ? ' (OCI-SIF)' : ''}, ${metadata.architecture ?? 'architecture unknown'}, built ${metadata.created ?? 'at an unknown time'}`];
  const row = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') lines.push(`  ${key.padEnd(12)}${value}`);
  };
  // What a hand-written record needs first, exactly as the record spells it.
  row('sha256', hashes?.sha256);
  row('md5', hashes?.md5);
  row('size', hashes && `${hashes.size}  (${formatBytes(hashes.size)})`);
  /** Several values under one key, the key shown once. */
  const rows = (key: string, values: string[]) => values.forEach((value, i) => row(i === 0 ? key : '', value));
  row('bootstrap', metadata.bootstrap);
  row('from', metadata.from);
  row('os', metadata.os && [metadata.os.id, metadata.os.versionId].filter(Boolean).join(' '));
  row('squashfs', squashfs && `object ${squashfs.object}, ${squashfs.compression}, ${formatBytes(squashfs.blockSize)} blocks`);
  rows('labels', Object.entries(metadata.labels ?? {}).map(([key, value]) => `${key} = ${value}`));
  row('apps', metadata.apps && Object.keys(metadata.apps).join(', '));
  rows('signatures', (metadata.signatures ?? []).map((s) => `${s.type}, ${s.hash}, key ${s.fingerprint}`));
  for (const key of ['definition', 'runscript', 'startscript', 'test', 'help', 'environment'] as const) {
    row(key, metadata[key] && plural(metadata[key].split('\n').length, 'line'));
  }
  lines.push(`  objects`);
  for (const d of descriptors) {
    const detail = [d.name, d.partition && `${d.partition.fs} ${d.partition.type} ${d.partition.architecture ?? ''}`.trim(), d.signature && `${d.signature.hash} ${d.signature.fingerprint}`, d.digest, d.sbom?.format]
      .filter(Boolean)
      .join(', ');
    const link = d.link && ('group' in d.link ? ` → group ${d.link.group}` : ` → object ${d.link.object}`);
    lines.push(`    ${String(d.id).padStart(2)}  ${d.type.padEnd(14)} ${formatBytes(d.size).padStart(10)}${d.group ? `  group ${d.group}` : ''}${link ?? ''}${detail ? `  ${detail}` : ''}`);
  }
  for (const note of notes) lines.push(`  ! ${note}`);
  return lines.join('\n');
}
