import type { Problem } from '../errors.ts';
import { recordJsonSchemas, toJsonText } from '../schema/json-schema.ts';
import { SCHEMA_FOLDER } from './layout.ts';
import type { RegistryFile } from './types.ts';

// registry/.schema/ holds the JSON Schemas editors check records against. They are generated
// from sifhub's own schemas (`sifhub schema`), so after an upgrade, or a hand edit, an editor
// would accept what the build refuses, or the reverse: validate says so until they are
// regenerated. A registry without the folder has nothing to keep in step.

const REGENERATE = 'a maintainer runs `sifhub schema` and commits the folder';

export function checkSchemaFiles(files: readonly RegistryFile[] | undefined, registryDisplay: string): Problem[] {
  if (files === undefined) return [];
  const expected = new Map(Object.entries(recordJsonSchemas()).map(([name, schema]) => [`${SCHEMA_FOLDER}/${name}`, toJsonText(schema)]));
  const problems: Problem[] = [];
  for (const file of files) {
    const text = expected.get(file.path);
    if (text === undefined) problems.push({ file: file.display, message: `not a file sifhub generates (it writes ${[...expected.keys()].map((p) => p.slice(SCHEMA_FOLDER.length + 1)).join(', ')}); remove it` });
    else if (file.text.replace(/\r\n/g, '\n') !== text) problems.push({ file: file.display, message: `differs from the JSON Schema this sifhub generates: ${REGENERATE}` });
  }
  const present = new Set(files.map((f) => f.path));
  for (const path of expected.keys()) {
    if (!present.has(path)) problems.push({ file: `${registryDisplay === '.' ? '' : `${registryDisplay}/`}${path}`, message: `missing: ${REGENERATE}` });
  }
  return problems;
}
