// A definition file's header: the `Key: value` lines before its first `%section`. Only the
// header names the bootstrap agent and the base image; a `From:` inside %post is a shell line.
// Pure: used when reading a SIF and when a tag page decides what the definition already shows.

/** `Bootstrap:` and `From:` from a definition file's header (keys are case-insensitive). */
export function definitionHeader(definition: string): { bootstrap?: string; from?: string } {
  const out: { bootstrap?: string; from?: string } = {};
  for (const line of definition.split('\n')) {
    if (line.trimStart().startsWith('%')) break;
    const match = /^\s*(bootstrap|from)\s*:\s*(.*?)\s*$/i.exec(line);
    if (!match || match[2] === '') continue;
    const key = match[1]!.toLowerCase() as 'bootstrap' | 'from';
    out[key] ??= key === 'bootstrap' ? match[2]!.toLowerCase() : match[2]!;
  }
  return out;
}
