import { formatBytes, plural } from '../site/format.ts';
import type { FileHashes } from './hash-file-fs.ts';
import type { SifInspection } from './inspect-sif.ts';
import type { Signer } from './sif-signatures-node.ts';

/** `sifhub inspect` for a person: the image's identity, then what the record will carry. */
export function formatInspection(file: string, { header, descriptors, squashfs, metadata, notes }: SifInspection, hashes?: FileHashes, signers?: readonly Signer[]): string {
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
  for (const [i, s] of (metadata.signatures ?? []).entries()) {
    rows(i === 0 ? 'signatures' : '', [
      `${s.type}, ${s.hash}${/^0+$/.test(s.fingerprint) ? '' : `, key ${s.fingerprint}`}`,
      `  ${s.tampered ? `TAMPERED: ${s.tampered}` : s.objects ? `covers ${plural(s.objects.length, 'object')} (${s.objects.join(', ')}), unchanged since signing` : 'not checked against the bytes (--no-hash)'}`,
      ...(signers?.[i] ? [`  ${signerText(signers[i])}`] : []),
    ]);
  }
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

/** Who signed, as `inspect` and the pages say it. */
function signerText(signer: Signer): string {
  if (signer.status === 'verified') return `signed by ${signer.name}${signer.fingerprint ? ` (${signer.fingerprint})` : ''}, verified${signer.keyResigned ? ' (the key was re-signed after signing)' : ''}`;
  if (signer.status === 'unknown-key') return `signed by a key not among the signer keys${signer.fingerprint ? ` (${signer.fingerprint})` : ''}`;
  return `NOT VERIFIED: the signature does not hold (${signer.problem})`;
}
