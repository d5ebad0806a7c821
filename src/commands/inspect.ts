import { rethrowAsEnvironment, UsageError } from '../errors.ts';
import { defineCommand } from './command.ts';

export default defineCommand({
  name: 'inspect',
  usage: 'FILE.sif [--no-hash] [--record --url URL] [--json]',
  description:
    'Prints what a SIF image says about itself (labels, definition file, runscript, apps, signatures,\n' +
    'OS), read from a few small parts of the file, then its sha256, md5 and size, which read the whole\n' +
    'file. With --record, prints the tag record to commit as registry/COLLECTION/CONTAINER/TAG.md.',
  arguments: [{ name: 'FILE.sif', help: 'the image' }],
  options: {
    hash: { type: 'boolean', default: true, negatable: true, help: 'read the whole file for its sha256, md5 and size' },
    record: { type: 'boolean', help: 'print a tag record ready to commit (needs --url)' },
    url: { type: 'string', value: 'URL', help: 'the https URL the image is served from, for --record' },
    json: { type: 'boolean', help: 'print the SIF header, every object, the record fields and the hashes as JSON' },
  },
  async run(values, [file]) {
    if (values.record && values.url === undefined) throw new UsageError('--record needs --url URL: the https address the image is served from', 'inspect');
    if (values.record && !values.hash) throw new UsageError('--record needs the hashes: leave out --no-hash', 'inspect');
    const { isHttpsUrl } = await import('../schema/fields.ts');
    // Before the whole file is read for its hashes.
    if (values.url !== undefined && !isHttpsUrl(values.url)) throw new UsageError(`--url expects an https:// URL without credentials, received "${values.url}"`, 'inspect');
    const [{ inspectFile }, { formatInspection }, { hashFile }, { progressBar }, { stat }] = await Promise.all([
      import('../sif/inspect-file-fs.ts'),
      import('../sif/format-inspection.ts'),
      import('../sif/hash-file-fs.ts'),
      import('./progress-tty.ts'),
      import('node:fs/promises'),
    ]);
    const inspection = await inspectFile(file!).catch(rethrowAsEnvironment(file!));
    const hashes = values.hash ? await hashFile(file!, progressBar('Hashing', (await stat(file!)).size)).catch(rethrowAsEnvironment(file!)) : undefined;
    if (values.record) {
      const [{ toTagRecordText }, { tagRecord }] = await Promise.all([import('./submit/to-submission.ts'), import('../schema/record.ts')]);
      process.stdout.write(toTagRecordText(tagRecord.parse({ url: values.url, ...hashes, ...inspection.metadata })));
      for (const note of inspection.notes) console.error(`! ${note}`);
      return;
    }
    console.log(values.json ? JSON.stringify({ ...inspection, ...(hashes ? { hashes } : {}) }, null, 2) : formatInspection(file!, inspection, hashes));
  },
});
