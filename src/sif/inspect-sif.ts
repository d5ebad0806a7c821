import { definitionHeader } from './definition-header.ts';
import { architectureOf, primaryPartition } from './architecture.ts';
import { FormatError } from '../errors.ts';
import { MAX_LABELS } from '../schema/bounds.ts';
import { tagRecord, type TagRecord } from '../schema/record.ts';
import { sliceSource, type ByteSource } from './byte-source.ts';
import { readSif, type Sif, type SifDescriptor, type SifHeader } from './read-sif.ts';
import { planIntegrity, readSignatures, type IntegrityPlan } from './sif-signatures-node.ts';
import { readSquashfs, type Compressor, type Squashfs } from './read-squashfs.ts';

// What an image says about itself, as the tag record's optional fields. Sources, first wins
// (README "What sifhub reads from an image"):
//   1. the `inspect-metadata.json` JSON.Generic descriptor (SingularityCE ≥ 3.7, Apptainer),
//   2. a JSON.Labels descriptor (Singularity 3.3–3.6), then the Def.FILE descriptor,
//   3. files in the primary squashfs partition (/.singularity.d/…, /scif/apps/…, /etc/os-release).
// The descriptor is what the builder recorded at build time; files in the squashfs can be
// stale (see the 3.4.0 fixture, whose labels.json predates its descriptor).

export type ImageMetadata = Pick<
  TagRecord,
  'architecture' | 'created' | 'definition' | 'bootstrap' | 'from' | 'labels' | 'runscript' | 'startscript' | 'test' | 'help' | 'environment' | 'apps' | 'signatures' | 'oci' | 'os'
>;

export interface SifInspection {
  header: SifHeader;
  descriptors: SifDescriptor[];
  /** The partition the files were read from. */
  squashfs?: { object: number; compression: string; blockSize: number };
  metadata: ImageMetadata;
  /** How to tell whether each signature in `metadata` still holds: digests to take while the file is hashed (withIntegrity). */
  integrity: IntegrityPlan;
  /** What was present but could not be used, for a person to read. */
  notes: string[];
}

/** Small text files only: a runscript or labels.json larger than this is not metadata. */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_APPS = 64;
/** The one name a JavaScript object cannot keep as a key (records refuse it too). */
const UNKEPT = '__proto__';
const ENVIRONMENT_FILES = ['10-docker2singularity.sh', '90-environment.sh'];

type Attributes = Record<string, unknown>;

export async function inspectSif(source: ByteSource, compressor: Compressor): Promise<SifInspection> {
  const sif = await readSif(source);
  const { header, descriptors } = sif;
  const notes: string[] = [];
  const read = async (d: SifDescriptor, max = MAX_FILE_BYTES) => {
    if (d.size > max) {
      notes.push(`object ${d.id} (${d.type}${d.name ? ` ${d.name}` : ''}) is ${d.size} bytes; not read`);
      return undefined;
    }
    return text(await source.read(d.offset, d.size));
  };

  const inspectDescriptor = descriptors.find((d) => d.type === 'JSON.Generic' && d.name === 'inspect-metadata.json');
  const attributes = inspectDescriptor ? attributesOf(await read(inspectDescriptor), notes) : {};
  const labelsDescriptor = descriptors.find((d) => d.type === 'JSON.Labels');
  const descriptorLabels = labelsDescriptor ? labelsOf(unnest(parseJson(await read(labelsDescriptor), 'the JSON.Labels object', notes)), notes) : undefined;
  const defDescriptor = descriptors.find((d) => d.type === 'Def.FILE');
  const defFile = defDescriptor ? await read(defDescriptor) : undefined;

  const primary = primaryPartition(descriptors);
  let fs: Squashfs | undefined;
  if (primary?.partition?.fs === 'squashfs') {
    fs = await readSquashfs(sliceSource(source, primary.offset, primary.size, `object ${primary.id} (the squashfs partition)`), compressor);
  } else if (primary) {
    notes.push(`the primary partition is ${primary.partition?.fs}; files inside it are not read`);
  }
  // One unusual file (over the size limit, a symlink loop, a damaged block) costs that file, not
  // the image: the rest is read and a note says what was skipped.
  const skipping = async <T>(read: () => Promise<T | undefined>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      notes.push(`${error.message}; skipped, the rest of the image was read`);
      return undefined;
    }
  };
  const file = async (path: string) => (fs ? textOrUndefined(await skipping(() => fs.readFile(path, MAX_FILE_BYTES))) : undefined);

  const squashLabels = labelsOf(parseJson(await file('/.singularity.d/labels.json'), '/.singularity.d/labels.json', notes), notes);
  const definition = str(attributes.deffile) ?? defFile ?? (await file('/.singularity.d/Singularity'));
  const labels = pick(labelsOf(attributes.labels, notes), descriptorLabels, squashLabels);
  const declared = definition ? definitionHeader(definition) : {};

  const signed = await signaturesOf(source, sif);
  const metadata: ImageMetadata = {
    architecture: architectureOf(sif),
    created: header.created,
    definition: meaningful(definition),
    bootstrap: declared.bootstrap ?? labels?.['org.label-schema.usage.singularity.deffile.bootstrap'],
    from: declared.from ?? labels?.['org.label-schema.usage.singularity.deffile.from'],
    labels,
    runscript: meaningful(str(attributes.runscript) ?? (await file('/.singularity.d/runscript'))),
    startscript: meaningful(str(attributes.startscript) ?? (await file('/.singularity.d/startscript'))),
    test: meaningful(str(attributes.test) ?? (await file('/.singularity.d/test'))),
    help: meaningful(str(attributes.helpfile) ?? str(attributes.help) ?? (await file('/.singularity.d/runscript.help'))),
    environment: environmentOf(attributes.environment) ?? (await environmentFiles(file, '/.singularity.d/env')),
    apps: await appsOf(attributes.apps, fs && (await skipping(() => fs.listDirectory('/scif/apps'))), file, notes),
    signatures: signed.signatures,
    oci: descriptors.some((d) => d.type === 'OCI.RootIndex') || undefined,
    os: fs ? osRelease((await file('/etc/os-release')) ?? (await file('/usr/lib/os-release'))) : undefined,
  };
  return {
    header,
    descriptors,
    squashfs: fs && primary ? { object: primary.id, compression: fs.compression, blockSize: fs.blockSize } : undefined,
    metadata: fitSchema(metadata, notes),
    integrity: signed.plan,
    notes,
  };
}

function attributesOf(json: string | undefined, notes: string[]): Attributes {
  const parsed = parseJson(json, 'inspect-metadata.json', notes) as { data?: { attributes?: unknown } } | undefined;
  const attributes = parsed?.data?.attributes;
  return attributes && typeof attributes === 'object' && !Array.isArray(attributes) ? (attributes as Attributes) : {};
}

function parseJson(json: string | undefined, what: string, notes: string[]): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    notes.push(`${what} is not valid JSON; ignored`);
    return undefined;
  }
}

/** Labels: string values only. Singularity 3.3–3.6 nest them under the partition's name. */
function labelsOf(value: unknown, notes: string[]): Record<string, string> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const labels: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === UNKEPT) notes.push(`label "${UNKEPT}" left out: JavaScript takes the name as an object's prototype, so no record can keep it`);
    else if (typeof v === 'string') labels[key] = v;
    else notes.push(`label ${JSON.stringify(key)} is not a string; left out`);
  }
  const keys = Object.keys(labels);
  if (keys.length > MAX_LABELS) {
    notes.push(`the image has ${keys.length} labels; the first ${MAX_LABELS} by key are recorded (a record holds at most ${MAX_LABELS})`);
    return Object.fromEntries(keys.sort().slice(0, MAX_LABELS).map((k) => [k, labels[k]!]));
  }
  return keys.length > 0 ? labels : undefined;
}

function unnest(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.values(value);
  return entries.length === 1 && entries[0] && typeof entries[0] === 'object' && !Array.isArray(entries[0]) ? entries[0] : value;
}

const pick = <T>(...candidates: (T | undefined)[]) => candidates.find((c) => c !== undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function text(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}
function textOrUndefined(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : text(bytes);
}

/** A script that is only a shebang and comments (Singularity writes such placeholders) says nothing. */
function meaningful(script: string | undefined): string | undefined {
  if (script === undefined) return undefined;
  const body = script.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  return body.length > 0 ? script.replace(/\s+$/, '') : undefined;
}

/** The user's environment files, each under its path as `singularity inspect --environment` shows them. */
function environmentOf(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const files = Object.entries(value as Record<string, unknown>)
    .filter(([path, v]) => typeof v === 'string' && ENVIRONMENT_FILES.some((f) => path.endsWith(`/${f}`)))
    .map(([path, v]) => [path, meaningful(v as string)] as const)
    .filter((f): f is readonly [string, string] => f[1] !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return files.length > 0 ? files.map(([path, v]) => `# ${path}\n${v}`).join('\n\n') : undefined;
}

async function environmentFiles(file: (path: string) => Promise<string | undefined>, dir: string): Promise<string | undefined> {
  const found: Record<string, string> = {};
  for (const name of ENVIRONMENT_FILES) {
    const content = await file(`${dir}/${name}`);
    if (content !== undefined) found[`${dir}/${name}`] = content;
  }
  return environmentOf(found);
}

async function appsOf(value: unknown, appDirectories: readonly string[] | undefined, file: (path: string) => Promise<string | undefined>, notes: string[]): Promise<ImageMetadata['apps']> {
  const recorded = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Attributes>) : {};
  const names = new Set(Object.keys(recorded));
  for (const name of appDirectories ?? []) names.add(name);
  if (names.delete(UNKEPT)) notes.push(`app "${UNKEPT}" left out: JavaScript takes the name as an object's prototype; rename the app to record it`);
  if (names.size > MAX_APPS) notes.push(`the image has ${names.size} apps; the first ${MAX_APPS} are recorded`);
  const apps: NonNullable<ImageMetadata['apps']> = {};
  for (const name of [...names].sort().slice(0, MAX_APPS)) {
    const a = Object.hasOwn(recorded, name) && recorded[name] && typeof recorded[name] === 'object' ? recorded[name] : {};
    const dir = `/scif/apps/${name}/scif`;
    const inSquashfs = (p: string) => file(`${dir}/${p}`);
    const app = {
      runscript: meaningful(str(a.runscript) ?? (await inSquashfs('runscript'))),
      help: meaningful(str(a.helpfile) ?? str(a.help) ?? (await inSquashfs('runscript.help'))),
      environment: environmentOf(a.environment) ?? (await environmentFiles(file, `${dir}/env`)),
      test: meaningful(str(a.test) ?? (await inSquashfs('test'))),
      labels: labelsOf(a.labels, notes) ?? labelsOf(parseJson(await inSquashfs('labels.json'), `${dir}/labels.json`, notes), notes),
    };
    apps[name] = Object.fromEntries(Object.entries(app).filter(([, v]) => v !== undefined));
  }
  return Object.keys(apps).length > 0 ? apps : undefined;
}

const SIGNATURE_HASHES = new Set(['sha256', 'sha384', 'sha512']);
const NO_FINGERPRINT = '0'.repeat(40);

/** Each signature with its message, for the build to check against keys; whether the image is unchanged since is told by the plan. */
async function signaturesOf(source: ByteSource, sif: Sif): Promise<{ signatures: ImageMetadata['signatures']; plan: IntegrityPlan }> {
  const found = await readSignatures(source, sif);
  const signatures = found.map((signature) => ({
    type: signature.format,
    hash: SIGNATURE_HASHES.has(signature.hash) ? (signature.hash as 'sha256') : ('unknown' as const),
    fingerprint: signature.fingerprint ?? NO_FINGERPRINT,
    ...(signature.message && signature.format !== 'unknown' ? { message: signature.message } : {}),
  }));
  return { signatures: signatures.length > 0 ? signatures : undefined, plan: await planIntegrity(sif, found) };
}

/**
 * The metadata with each signature's answer to "is the image unchanged since signing?", from the
 * digests the plan asked for (taken while the file was hashed).
 */
export function withIntegrity(metadata: ImageMetadata, plan: IntegrityPlan, digests: ReadonlyMap<string, string>): ImageMetadata {
  if (!metadata.signatures) return metadata;
  const answers = plan.judge(digests);
  return { ...metadata, signatures: metadata.signatures.map((s, i) => ({ ...s, ...(answers[i]?.intact ? { objects: answers[i].objects } : { tampered: answers[i]?.problem ?? 'not checked' }) })) };
}

/** ID and VERSION_ID from os-release (shell-style assignments, values optionally quoted). */
export function osRelease(content: string | undefined): ImageMetadata['os'] {
  if (content === undefined) return undefined;
  const values: Record<string, string> = {};
  for (const line of content.split('\n')) {
    const match = /^([A-Z_]+)=(?:"([^"]*)"|'([^']*)'|(\S*))\s*$/.exec(line.trim());
    if (match) values[match[1]!] = match[2] ?? match[3] ?? match[4] ?? '';
  }
  if (!values.ID) return undefined;
  return values.VERSION_ID ? { id: values.ID, versionId: values.VERSION_ID } : { id: values.ID };
}

/**
 * Drops what the record schema would refuse (an over-long runscript, a label key of 300
 * characters), with a note each, so an odd image still yields a valid record.
 */
function fitSchema(metadata: ImageMetadata, notes: string[]): ImageMetadata {
  const out = structuredClone(Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined))) as Record<string, unknown>;
  const schema = tagRecord.pick({
    architecture: true, created: true, definition: true, bootstrap: true, from: true, labels: true, runscript: true, startscript: true,
    test: true, help: true, environment: true, apps: true, signatures: true, oci: true, os: true,
  });
  for (let round = 0; round < 8; round++) {
    const result = schema.safeParse(out);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const path = issue.path.map(String);
      const depth = path[0] === 'labels' || path[0] === 'apps' ? 2 : 1;
      const key = path.slice(0, depth);
      let parent: Record<string, unknown> | undefined = out;
      for (const k of key.slice(0, -1)) parent = parent?.[k] as Record<string, unknown> | undefined;
      if (parent && key.at(-1)! in parent) {
        delete parent[key.at(-1)!];
        notes.push(`${key.join('.')} left out: ${issue.message}`);
      }
    }
  }
  throw new FormatError('the image metadata could not be made to fit the record schema');
}
