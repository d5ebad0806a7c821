// Where records live inside the registry folder (DESIGN §1). Pure.
//   registry.yml                         the registry's own settings
//   <collection>/README.md               a collection
//   <collection>/<container>/README.md   a container
//   <collection>/<container>/<tag>.md    a tag: one image record

export const CONFIG_FILE = 'registry.yml';

/** "<collection>/<container>/<tag>.md": the only files whose old versions matter. */
export function isTagRecordPath(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 3 && parts[2]!.endsWith('.md') && parts[2] !== 'README.md';
}

export function tagRecordPath(reference: { collection: string; container: string; tag: string }): string {
  return `${reference.collection}/${reference.container}/${reference.tag}.md`;
}
