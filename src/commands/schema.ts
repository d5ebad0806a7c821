import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defineCommand, REGISTRY_OPTION } from './command.ts';

export default defineCommand({
  name: 'schema',
  description: 'Writes the JSON Schemas of registry.yml and the records to DIR/.schema/, for editors that check YAML.',
  options: {
    registry: REGISTRY_OPTION,
  },
  async run(values) {
    const { recordJsonSchemas, toJsonText } = await import('../schema/json-schema.ts');
    const dir = path.join(values.registry, '.schema');
    await mkdir(dir, { recursive: true });
    for (const [name, schema] of Object.entries(recordJsonSchemas())) await writeFile(path.join(dir, name), toJsonText(schema));
    console.log(`Wrote the record JSON Schemas to ${dir}/`);
  },
});
