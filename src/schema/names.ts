// Name rules for collections, containers and tags. They mirror what the shub client accepts
// (apptainer internal/pkg/client/shub/util.go) narrowed to lowercase, because sregistry-cli
// lower-cases every request path: an uppercase name would be unreachable from one client.
// Names become file names on a static host, so a name that a host would serve as markup or script
// is refused too (served-as.ts).

import { activeTypeOf, extensionOf } from './served-as.ts';

export type NameKind = 'collection' | 'container' | 'tag';

const PATTERNS: Record<NameKind, RegExp> = {
  collection: /^[a-z0-9-]{1,39}$/,
  container: /^(?!\.)[a-z0-9._-]{1,64}$/,
  tag: /^(?!\.)[a-z0-9._-]{1,64}$/,
};

const NAME_RULES: Record<NameKind, string> = {
  collection: '1–39 characters of a-z, 0-9 and -',
  container: '1–64 characters of a-z, 0-9, ., _ and -, not starting with .',
  tag: '1–64 characters of a-z, 0-9, ., _ and -, not starting with .',
};

const MAX_LENGTH: Record<NameKind, number> = { collection: 39, container: 64, tag: 64 };

/** A tag called "readme" would be confused with the container's README.md record. */
const RESERVED_TAGS = new Set(['readme']);

export function isValidName(kind: NameKind, name: string): boolean {
  if (kind === 'tag' && RESERVED_TAGS.has(name.toLowerCase())) return false;
  return PATTERNS[kind].test(name) && activeTypeOf(name) === undefined;
}

/**
 * A name safe inside a digest-pinned file name (`lab/tool:x.html@<md5>`, `lab/tool@<md5>`): the
 * pattern alone. A deleted tag's versions stay pullable under those names, which never end in
 * the tag's extension, so a tag named before sifhub refused web extensions keeps its versions.
 */
export function isSafeInDigestPath(kind: NameKind, name: string): boolean {
  return PATTERNS[kind].test(name);
}

/** A valid name close to `name`, to put in the error message; undefined when none is obvious. */
export function suggestName(kind: NameKind, name: string): string | undefined {
  let s = name.toLowerCase();
  s = kind === 'collection' ? s.replace(/[^a-z0-9-]+/g, '-') : s.replace(/[^a-z0-9._-]+/g, '-');
  s = s.replace(/^[.-]+/, '').replace(/-{2,}/g, '-').slice(0, MAX_LENGTH[kind]).replace(/-+$/, '');
  if (s === '' || RESERVED_TAGS.has(s) || !isValidName(kind, s)) return undefined;
  return s === name ? undefined : s;
}

export function nameProblem(kind: NameKind, name: string): string | undefined {
  if (isValidName(kind, name)) return undefined;
  if (kind === 'tag' && RESERVED_TAGS.has(name.toLowerCase())) {
    return `"${name}" is reserved: README.md is the container's own record, not a tag`;
  }
  const active = PATTERNS[kind].test(name) ? activeTypeOf(name) : undefined;
  if (active) {
    const dashed = name.replaceAll('.', '-');
    const suggestion = isValidName(kind, dashed) ? dashed : undefined;
    return `the ${kind} name "${name}" ends in .${extensionOf(name)}, which a web host serves as ${active}: its manifest file would be live markup or script on the registry's own site` +
      (suggestion ? `; try "${suggestion}"` : '');
  }
  const suggestion = suggestName(kind, name);
  return `expected a ${kind} name of ${NAME_RULES[kind]} (the shub client's rule), received "${truncate(name)}"` +
    (suggestion ? `; try "${suggestion}"` : '');
}

export function truncate(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
