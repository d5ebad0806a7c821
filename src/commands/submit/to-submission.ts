import { UsageError } from '../../errors.ts';
import { stringify } from 'yaml';
import { nameProblem, type NameKind } from '../../schema/names.ts';
import type { TagRecord } from '../../schema/record.ts';
import type { ImageMetadata } from '../../sif/inspect-sif.ts';
import { formatBytes, plural } from '../../site/format.ts';

// Pure pieces of `sifhub submit`: the image reference, the record files it writes and the
// pull request it opens. The files are what a careful person would write by hand.

export interface ImageReference {
  collection: string;
  container: string;
  tag: string;
}

/** `collection/container[:tag]` (tag defaults to latest, as the shub client does), or the problems with it. */
export function parseImageReference(text: string): ImageReference | string[] {
  const match = /^([^/:@\s]+)\/([^/:@\s]+)(?::([^/:@\s]+))?$/.exec(text);
  if (!match) return [`expected collection/container:tag, e.g. lab/tool:1.0, received "${text}"`];
  const reference = { collection: match[1]!, container: match[2]!, tag: match[3] ?? 'latest' };
  const problems = (['collection', 'container', 'tag'] as NameKind[]).flatMap((kind) => {
    const problem = nameProblem(kind, reference[kind]);
    return problem ? [`${kind}: ${problem}`] : [];
  });
  return problems.length > 0 ? problems : reference;
}

export const formatReference = (r: ImageReference) => `${r.collection}/${r.container}:${r.tag}`;

/** The tag record: the four required fields first, then what the image says about itself. */
export function toTagRecordText(record: TagRecord, notes = ''): string {
  const { url, sha256, md5, size, mirrors, frozen, ...metadata } = record;
  const ordered = { url, sha256, md5, size, ...(mirrors ? { mirrors } : {}), ...(frozen ? { frozen } : {}), ...metadata };
  return `---\n${yaml(ordered)}---\n${notes ? `\n${notes.trim()}\n` : ''}`;
}

/**
 * One more architecture's image of a tag, as an entry of its record's `platforms:` list (indented
 * to append under it): the fields a platform keeps of what the image says about itself.
 */
export function toPlatformEntryText(record: TagRecord): string {
  if (record.architecture === undefined) throw new Error('an image without an architecture cannot be a platform');
  const entry = { architecture: record.architecture, url: record.url, sha256: record.sha256, md5: record.md5, size: record.size, ...(record.created ? { created: record.created } : {}), ...(record.signatures ? { signatures: record.signatures } : {}) };
  return yaml({ platforms: [entry] }).replace(/^platforms:\n/, '');
}

export function toCollectionReadmeText(owner: string | undefined): string {
  const data = owner ? { owners: [owner] } : {};
  return `---\n${Object.keys(data).length > 0 ? yaml(data) : ''}---\n`;
}

/** What `submit --summary --description --topics --license` say about a new container. */
export interface ContainerAbout {
  summary?: string;
  description?: string;
  topics?: string[];
  license?: string;
}

/** A new container's README: the submitter's words first, else what the image's labels say; never placeholder text. */
export function toContainerReadmeText(metadata: ImageMetadata, about: ContainerAbout = {}): string {
  const labels = metadata.labels ?? {};
  const summary = about.summary ?? labels['org.opencontainers.image.description'] ?? labels.description ?? labels.Description;
  const source = labels['org.opencontainers.image.source'];
  const license = about.license ?? labels['org.opencontainers.image.licenses'];
  const data = {
    ...(summary && (about.summary !== undefined || summary.length <= 300) ? { summary } : {}),
    ...(about.topics && about.topics.length > 0 ? { topics: about.topics } : {}),
    ...(source?.startsWith('https://') ? { source } : {}),
    ...(license && (about.license !== undefined || license.length <= 300) ? { license } : {}),
  };
  const body = about.description?.trim();
  return `---\n${Object.keys(data).length > 0 ? yaml(data) : ''}---\n${body ? `\n${body}\n` : ''}`;
}

function yaml(data: unknown): string {
  // YAML 1.2 as the parser reads it; strings that look like numbers come out quoted.
  return stringify(data, { version: '1.2', schema: 'core', lineWidth: 0 });
}

export interface PullRequestInput {
  reference: ImageReference;
  record: TagRecord;
  /** The image the tag pointed at before, when this moves it. */
  previous?: TagRecord;
  upload: string;
}

export function toPullRequest({ reference, record, previous, upload }: PullRequestInput): { title: string; body: string } {
  const name = formatReference(reference);
  const title = previous ? `Move ${name} to ${record.sha256.slice(0, 12)}` : `Add ${name}`;
  const row = (key: string, value: string | undefined) => (value ? [`| ${key} | ${value.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`] : []);
  const labels = Object.keys(record.labels ?? {});
  const lines = [
    `${previous ? 'Moves' : 'Adds'} \`${name}\`, submitted with \`sifhub submit\`.`,
    '',
    '| | |',
    '| --- | --- |',
    ...row('Image', `${record.url} (${upload})`),
    ...row('Size', `${formatBytes(record.size)} (${record.size.toLocaleString('en')} bytes)`),
    ...row('sha256', `\`${record.sha256}\``),
    ...row('md5', `\`${record.md5}\``),
    ...row('Architecture', record.architecture),
    ...row('Built', record.created),
    ...row('Bootstrap', record.bootstrap && `${record.bootstrap}${record.from ? ` from \`${record.from}\`` : ''}`),
    ...row('OS', record.os && [record.os.id, record.os.versionId].filter(Boolean).join(' ')),
    ...row('Labels', labels.length > 0 ? `${plural(labels.length, 'label')}: ${labels.slice(0, 8).map((l) => `\`${l}\``).join(', ')}${labels.length > 8 ? ', …' : ''}` : undefined),
    ...row('Apps', record.apps && Object.keys(record.apps).join(', ')),
    ...row('Signatures', record.signatures?.map((s) => `${s.type} ${s.hash} \`${s.fingerprint}\``).join(', ')),
    ...row('OCI-SIF', record.oci ? 'yes' : undefined),
    ...row('Replaces', previous && `\`${previous.sha256}\` (${formatBytes(previous.size)}); pinned pulls of the old image keep working`),
  ];
  return { title, body: `${lines.join('\n')}\n` };
}

/** A valid, readable branch name for a submission (git refuses "..", a trailing "." or ".lock"). */
export function submissionBranch(collection: string, container: string, tag: string, sha256: string): string {
  const part = (s: string) => s.replace(/\.{2,}/g, '-').replace(/(\.lock|\.)$/, '-');
  return `sifhub/${part(collection)}/${part(container)}/${part(tag)}-${sha256.slice(0, 8)}`;
}

/** COLLECTION/CONTAINER:TAG from the command line, or a UsageError of `command` saying what is wrong. */
export function imageReference(text: string, command: 'submit' | 'share' = 'submit'): ImageReference {
  const reference = parseImageReference(text);
  if (Array.isArray(reference)) throw new UsageError(reference.join('\n'), command);
  return reference;
}
