import { rethrowAsEnvironment, UsageError } from '../errors.ts';
import { defineCommand } from './command.ts';
import type { TagRecord } from '../schema/record.ts';

export default defineCommand({
  name: 'inspect',
  usage: 'FILE.sif [--keys PATH] [--no-hash] [--record [--platform] --url URL] [--json]',
  description:
    'Prints what a SIF image says about itself (labels, definition file, runscript, apps, signatures,\n' +
    'OS), read from a few small parts of the file, then its sha256, md5 and size, which read the whole\n' +
    'file. With --record, prints the tag record to commit as registry/COLLECTION/CONTAINER/TAG.md;\n' +
    'with --platform too, the entry that adds this image to a tag as another architecture\'s.\n' +
    'Each signature is checked: that the image is unchanged since signing, and who signed it, against\n' +
    'the keys in --keys (a key file or a folder of .asc and .pem keys; default registry/keys).',
  arguments: [{ name: 'FILE.sif', help: 'the image' }],
  options: {
    hash: { type: 'boolean', default: true, negatable: true, help: 'read the whole file for its sha256, md5 and size' },
    record: { type: 'boolean', help: 'print a tag record ready to commit (needs --url)' },
    url: { type: 'string', value: 'URL', help: 'the https URL the image is served from, for --record' },
    platform: { type: 'boolean', help: 'with --record: print the image as one entry of a tag\'s platforms: list (another architecture\'s image of the tag)' },
    json: { type: 'boolean', help: 'print the SIF header, every object, the record fields, the signers and the hashes as JSON' },
    keys: { type: 'string', value: 'PATH', help: 'the signer keys to check signatures against (default registry/keys, when it exists)' },
  },
  async run(values, [file]) {
    if (values.record && values.url === undefined) throw new UsageError('--record needs --url URL: the https address the image is served from', 'inspect');
    if (values.record && !values.hash) throw new UsageError('--record needs the hashes: leave out --no-hash', 'inspect');
    if (values.platform && !values.record) throw new UsageError('--platform goes with --record --url URL: it prints a record\'s platforms: entry', 'inspect');
    const { isHttpsUrl } = await import('../schema/fields.ts');
    // Before the whole file is read for its hashes.
    if (values.url !== undefined && !isHttpsUrl(values.url)) throw new UsageError(`--url expects an https:// URL without credentials, received "${values.url}"`, 'inspect');
    const [{ inspectFile, hashInspected }, { formatInspection }, { progressBar }, { stat }] = await Promise.all([
      import('../sif/inspect-file-fs.ts'),
      import('../sif/format-inspection.ts'),
      import('./progress-tty.ts'),
      import('node:fs/promises'),
    ]);
    const inspection = await inspectFile(file!).catch(rethrowAsEnvironment(file!));
    const hashed = values.hash ? await hashInspected(file!, inspection, progressBar('Hashing', (await stat(file!)).size)).catch(rethrowAsEnvironment(file!)) : undefined;
    const hashes = hashed?.hashes;
    if (hashed) inspection.metadata = hashed.metadata;
    if (values.record) {
      const [{ toPlatformEntryText, toTagRecordText }, { tagRecord }] = await Promise.all([import('./submit/to-submission.ts'), import('../schema/record.ts')]);
      const record = tagRecord.parse({ url: values.url, ...hashes, ...inspection.metadata });
      if (values.platform && record.architecture === undefined) throw new UsageError(`${file} names no architecture, so it cannot be one architecture's image of a tag`, 'inspect');
      process.stdout.write(values.platform ? toPlatformEntryText(record) : toTagRecordText(record));
      if (values.platform) console.error(`Add these lines under \`platforms:\` in the tag's record (the tag's own image needs \`architecture:\` too).`);
      for (const note of inspection.notes) console.error(`! ${note}`);
      return;
    }
    const signers = await signersOf(inspection.metadata.signatures ?? [], values.keys);
    const descriptors = inspection.descriptors.map(({ raw: _raw, ...descriptor }) => descriptor);
    const { integrity: _plan, ...shown } = inspection;
    console.log(values.json ? JSON.stringify({ ...shown, descriptors, signers, ...(hashes ? { hashes } : {}) }, null, 2) : formatInspection(file!, inspection, hashes, signers));
  },
});

/** Who made each signature, against --keys or the registry's keys; none checked when there are no keys. */
async function signersOf(signatures: NonNullable<TagRecord['signatures']>, keys: string | undefined) {
  if (signatures.length === 0) return undefined;
  const [{ loadSignerKeys }, { checkSigner }, { existsSync }] = await Promise.all([import('../sif/signer-keys-fs.ts'), import('../sif/sif-signatures-node.ts'), import('node:fs')]);
  const where = keys ?? (existsSync('registry/keys') ? 'registry/keys' : undefined);
  if (where === undefined) return undefined;
  const known = await loadSignerKeys(where);
  return Promise.all(signatures.map((s) => checkSigner({ format: s.type, hash: s.hash, fingerprint: /^0+$/.test(s.fingerprint) ? undefined : s.fingerprint, message: s.message ?? '' }, known)));
}
