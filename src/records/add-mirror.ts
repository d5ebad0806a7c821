import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

// A tag record with one more address under `mirrors:`, edited in place: the rest of the record
// (its order, quoting, comments, block scalars) stays as its author wrote it. Pure.

const FRONTMATTER = /^(---[ \t]*\r?\n)([\s\S]*?\r?\n)(---[ \t]*(?:\r?\n|$)[\s\S]*)$/;

/**
 * The record's text with `url` added to its mirrors (`at`: those of `platforms[i]`, another
 * architecture's image); undefined when it lists it already or is not a record to edit.
 */
export function withMirror(text: string, url: string, at: readonly (string | number)[] = []): string | undefined {
  const match = FRONTMATTER.exec(text);
  if (!match) return undefined;
  const [, open, front, rest] = match as unknown as [string, string, string, string];
  const doc = parseDocument(front);
  if (doc.errors.length > 0) return undefined;
  if (at.length > 0 && !isMap(doc.getIn(at, true))) return undefined;
  const mirrors = doc.getIn([...at, 'mirrors'], true);
  if (isSeq(mirrors)) {
    if (mirrors.items.some((item) => isScalar(item) && item.value === url)) return undefined;
    mirrors.add(doc.createNode(url));
  } else if (mirrors === undefined) {
    doc.setIn([...at, 'mirrors'], doc.createNode([url]));
  } else {
    return undefined;
  }
  return `${open}${doc.toString({ lineWidth: 0 })}${rest}`;
}
