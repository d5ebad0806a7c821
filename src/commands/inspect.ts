import { rethrowAsEnvironment } from '../errors.ts';
import { defineCommand } from './command.ts';

export default defineCommand({
  name: 'inspect',
  summary: 'what a SIF file says about itself',
  description:
    'Prints what a SIF image says about itself: labels, definition file, runscript, apps, signatures,\n' +
    'OS. Reads a few small parts of the file, never the whole of it.',
  arguments: [{ name: 'FILE.sif', help: 'the image' }],
  options: {
    json: { type: 'boolean', help: 'print the SIF header, every object and the record fields as JSON' },
  },
  async run(values, [file]) {
    const [{ inspectFile }, { formatInspection }] = await Promise.all([import('../sif/inspect-file-fs.ts'), import('../sif/format-inspection.ts')]);
    const inspection = await inspectFile(file!).catch(rethrowAsEnvironment(file!));
    console.log(values.json ? JSON.stringify(inspection, null, 2) : formatInspection(file!, inspection));
  },
});
