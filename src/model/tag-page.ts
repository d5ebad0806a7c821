import { definitionHeader } from '../sif/definition-header.ts';
import type { ContainerEntry, TagEntry, Version } from './types.ts';

// What a tag's page shows, decided here so the page only formats it. At 100,000 tags every byte
// repeated on a tag page is 100 MB of site: a script the definition file shows word for
// word, and a fact its header states, are not shown a second time.

export interface TagPage {
  tag: TagEntry;
  container: ContainerEntry;
  /** "lab/tool:1.0" */
  reference: string;
  /** Sorted by key. */
  labels: [string, string][];
  apps: [string, NonNullable<TagEntry['record']['apps']>[string]][];
  /** The definition file, then the scripts it does not already show; empty ones left out. */
  sections: { id: string; title: string; text: string }[];
  /** The record's Bootstrap: and From:, unless the definition's header states them. */
  bootstrap?: string;
  from?: string;
  /** The help text, unless the definition file shows it. */
  help?: string;
  /** Newest first. */
  versions: Version[];
  /** Whether this tag is what `name` without a tag resolves to, under another name. */
  isLatest: boolean;
}

export function toTagPage(tag: TagEntry, container: ContainerEntry): TagPage {
  const { record } = tag;
  const definition = record.definition;
  const shownInDefinition = (text: string | undefined) => text !== undefined && definition !== undefined && definition.includes(text.trim());
  const header = definition === undefined ? {} : definitionHeader(definition);
  const sections = [
    { id: 'definition', title: 'Definition file', text: definition },
    ...[
      { id: 'runscript', title: 'Runscript', text: record.runscript },
      { id: 'startscript', title: 'Startscript', text: record.startscript },
      { id: 'test', title: 'Test', text: record.test },
      { id: 'environment', title: 'Environment', text: record.environment },
    ].filter((s) => !shownInDefinition(s.text)),
  ].filter((s): s is { id: string; title: string; text: string } => s.text !== undefined && s.text.trim() !== '');
  return {
    tag,
    container,
    reference: `${tag.collection}/${tag.container}:${tag.name}`,
    labels: Object.entries(record.labels ?? {}).sort(([a], [b]) => a.localeCompare(b)),
    apps: Object.entries(record.apps ?? {}),
    sections,
    bootstrap: header.bootstrap === undefined ? record.bootstrap : undefined,
    from: header.from === undefined ? record.from : undefined,
    help: record.help && !shownInDefinition(record.help) ? record.help : undefined,
    versions: [...tag.versions].reverse(),
    isLatest: container.latest === tag.name && tag.name !== 'latest',
  };
}
