// npm run docs: writes docs/reference.md from the commands and the record schemas.
import { writeFile } from 'node:fs/promises';
import { referenceMarkdown } from '../src/commands/reference-doc.ts';

const file = new URL('../docs/reference.md', import.meta.url);
await writeFile(file, await referenceMarkdown());
console.log('✔ Wrote docs/reference.md');
