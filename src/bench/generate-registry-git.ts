import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

// A synthetic registry for the benchmark, written as a real git repository through
// `git fast-import` (one process, no per-commit fork). Proportions follow what registries hold:
// most containers have 1–3 tags and a few have hundreds; definition files of 0.5–5 KB; 5–15
// labels; about a fifth of the tags moved to a new image at least once; one commit per
// submission (a container's tags, at most 10 at a time) and per move.

export interface GeneratedRegistry {
  root: string;
  registry: string;
  tags: number;
  containers: number;
  collections: number;
  commits: number;
  moved: number;
}

interface Tag {
  collection: string;
  container: string;
  name: string;
  path: string;
}

const WORDS =
  'align array atlas bam bed bio blast bowtie cell chip count cuda data deep dna flow fold gene genome graph hmm image lab lens map mass meta model net omics pipe prot qc quant read ref rna sam scan seq sim single spark stat struct tensor tool trim var viz wave'.split(
    ' ',
  );
const PACKAGES =
  'build-essential ca-certificates cmake curl gcc g++ gfortran git libbz2-dev libcurl4-openssl-dev libhdf5-dev liblzma-dev libncurses5-dev libopenblas-dev libssl-dev libxml2-dev make openjdk-17-jre-headless perl pkg-config python3 python3-dev python3-pip r-base unzip wget zlib1g-dev'.split(
    ' ',
  );
const BASES = ['ubuntu:22.04', 'ubuntu:20.04', 'debian:bookworm-slim', 'rockylinux:9', 'alpine:3.19', 'nvidia/cuda:12.2.0-devel-ubuntu22.04', 'python:3.12-slim-bookworm', 'continuumio/miniconda3:24.1.2-0'];
const LABEL_KEYS = [
  'maintainer',
  'org.opencontainers.image.authors',
  'org.opencontainers.image.source',
  'org.opencontainers.image.version',
  'org.opencontainers.image.licenses',
  'org.opencontainers.image.title',
  'org.label-schema.build-date',
  'org.label-schema.schema-version',
  'org.label-schema.usage.singularity.version',
  'org.label-schema.build-arch',
  'org.label-schema.build-size',
  'org.label-schema.usage.singularity.deffile.bootstrap',
  'org.label-schema.usage.singularity.deffile.from',
  'version',
  'description',
  'license',
  'homepage',
  'cuda.version',
  'python.version',
  'r.version',
];

/** mulberry32: small, fast, and the same registry for the same seed on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generateRegistry(root: string, options: { tags: number; seed?: number }): Promise<GeneratedRegistry> {
  const rand = random(options.seed ?? 1);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const word = () => pick(WORDS);

  // Plan containers until the tag count is reached.
  const plan: { collection: string; container: string; tags: number }[] = [];
  let planned = 0;
  let collectionIndex = 0;
  while (planned < options.tags) {
    const collection = `${word()}-${word()}-${collectionIndex++}`;
    const containers = rand() < 0.6 ? int(1, 2) : rand() < 0.9 ? int(3, 6) : int(7, 20);
    for (let c = 0; c < containers && planned < options.tags; c++) {
      const roll = rand();
      const wanted = roll < 0.89 ? int(1, 3) : roll < 0.995 ? int(4, 20) : int(100, 400);
      const tags = Math.min(wanted, options.tags - planned);
      plan.push({ collection, container: `${word()}${c === 0 ? '' : `-${word()}`}-${c}`, tags });
      planned += tags;
    }
  }

  await mkdir(root, { recursive: true });
  const git = (args: string[], input?: NodeJS.ReadableStream) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('git', args, { cwd: root, stdio: [input ? 'pipe' : 'ignore', 'ignore', 'inherit'], env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args[0]} exited with ${code}`))));
      if (input) input.pipe(child.stdin!);
    });
  await git(['init', '-q', '-b', 'main']);

  const importer = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: root, stdio: ['pipe', 'ignore', 'inherit'] });
  const importerDone = new Promise<number | null>((resolve, reject) => {
    importer.on('error', reject);
    importer.on('close', resolve);
  });
  const out = importer.stdin;
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;

  // Seven years of history, one commit every few hours.
  let clock = Date.parse('2019-01-07T09:00:00Z') / 1000;
  let commits = 0;
  const commit = async (message: string, files: { path: string; text: string }[]) => {
    clock += int(600, 4 * 3600);
    const who = `${pick(['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Rosalind Franklin', 'Barbara McClintock', 'Katherine Johnson'])}`;
    const ident = `${who} <${who.split(' ')[0]!.toLowerCase()}@example.org> ${clock} +0000`;
    let text = `commit refs/heads/main\nauthor ${ident}\ncommitter ${ident}\n${data(message)}`;
    for (const f of files) text += `M 100644 inline registry/${f.path}\n${data(f.text)}`;
    await write(`${text}\n`);
    commits += 1;
  };

  let imageCounter = 0;
  const imageFields = () => {
    const n = imageCounter++;
    const sha256 = createHash('sha256').update(`image ${n}`).digest('hex');
    const md5 = createHash('md5').update(`image ${n}`).digest('hex');
    const size = int(20, 4000) * 1024 * 1024 + int(0, 1_048_575);
    return `url: https://images.example.org/sha256/${sha256}.sif\nsha256: "${sha256}"\nmd5: "${md5}"\nsize: ${size}\n`;
  };
  // A container is built from one recipe: its tags' definition files repeat it with their own
  // version and now and then a package more, as real registries' do.
  const recipes = new Map<string, { from: string; body: string; labels: string[] }>();
  const recipeOf = (collection: string, container: string) => {
    const key = `${collection}/${container}`;
    let recipe = recipes.get(key);
    if (!recipe) {
      const target = int(512, 5120);
      let body = `\n%environment\n  export LC_ALL=C\n  export PATH=/opt/${container}/bin:$PATH\n\n%post\n  apt-get update\n`;
      while (body.length < target - 200) body += `  apt-get install -y --no-install-recommends ${pick(PACKAGES)} ${pick(PACKAGES)} ${pick(PACKAGES)}\n`;
      body += `\n%runscript\n  exec ${container} "$@"\n`;
      const keys = [...LABEL_KEYS];
      for (let i = keys.length - 1; i > 0; i--) {
        const j = int(0, i);
        [keys[i], keys[j]] = [keys[j]!, keys[i]!];
      }
      recipe = { from: pick(BASES), body, labels: keys.slice(0, int(5, 15)) };
      recipes.set(key, recipe);
    }
    return recipe;
  };
  const describedFields = (collection: string, container: string, tag: string) => {
    const recipe = recipeOf(collection, container);
    const bootstrap = 'docker';
    const extra = rand() < 0.3 ? `  pip install ${word()}-${word()}==${int(0, 9)}.${int(0, 30)}\n` : '';
    const definition = `Bootstrap: ${bootstrap}\nFrom: ${recipe.from}\n\n%labels\n  Maintainer ${collection}\n  Version ${tag}\n${recipe.body}${extra}`;
    const labelLines = recipe.labels.map((key) => `  ${key}: "${key.endsWith('version') ? `${int(0, 9)}.${int(0, 30)}.${int(0, 9)}` : `${word()} ${word()} ${word()}`}"`);
    const indented = definition.split('\n').map((l) => (l ? `  ${l}` : '')).join('\n');
    return (
      `architecture: ${rand() < 0.85 ? 'amd64' : 'arm64'}\ncreated: "${new Date(clock * 1000).toISOString()}"\nbootstrap: ${bootstrap}\nfrom: "${recipe.from}"\n` +
      `labels:\n${labelLines.join('\n')}\ndefinition: |\n${indented}\nrunscript: |\n  exec ${container} "$@"\nhelp: "Run ${container} on your ${word()} data."\n`
    );
  };
  const record = (collection: string, container: string, tag: string) => `---\n${imageFields()}${describedFields(collection, container, tag)}---\nBuilt from ${collection}/${container} at ${tag}.\n`;

  await commit('Start the registry', [{ path: 'registry.yml', text: 'name: Benchmark registry\nurl: https://bench.example.org/registry\nrepository: https://github.com/bench/registry\nmaintainers: [ada]\n' }]);

  const all: Tag[] = [];
  const seenCollections = new Set<string>();
  for (const { collection, container, tags } of plan) {
    const files: { path: string; text: string }[] = [];
    if (!seenCollections.has(collection)) {
      seenCollections.add(collection);
      if (rand() < 0.5) files.push({ path: `${collection}/README.md`, text: `---\nsummary: ${word()} and ${word()} tools\nowners: [ada]\ntopics: [${word()}]\n---\nImages of the ${collection} group.\n` });
    }
    if (rand() < 0.5) files.push({ path: `${collection}/${container}/README.md`, text: `---\nsummary: The ${container} tool\nlicense: MIT\n---\n${container} ${word()}s your ${word()}.\n` });
    for (let t = 0; t < tags; t++) {
      const name = tags > 3 ? `${Math.floor(t / 10)}.${t % 10}.${int(0, 9)}` : t === tags - 1 && tags > 1 ? 'latest' : `1.${t}`;
      const tag = { collection, container, name, path: `${collection}/${container}/${name}.md` };
      if (all.length > 0 && all.at(-1)!.path === tag.path) continue;
      all.push(tag);
      files.push({ path: tag.path, text: record(collection, container, name) });
      if (files.length >= 10) await commit(`Add ${collection}/${container}`, files.splice(0));
    }
    if (files.length > 0) await commit(`Add ${collection}/${container}`, files);
  }

  // About a fifth of the tags move to a new image, a few at a time, some twice.
  const movedTags = new Set<string>();
  const moves = Math.round(all.length * 0.2);
  for (let done = 0; done < moves; ) {
    const files = [];
    for (let k = int(1, 5); k > 0 && done < moves; k--, done++) {
      const tag = pick(all);
      movedTags.add(tag.path);
      files.push({ path: tag.path, text: record(tag.collection, tag.container, tag.name) });
    }
    await commit('Move tags to rebuilt images', files);
  }
  out.end('done\n');
  const code = await importerDone;
  if (code !== 0) throw new Error(`git fast-import exited with ${code}`);
  await git(['checkout', '-q', '-f', 'main']);
  await writeFile(path.join(root, '.gitignore'), 'dist/\n');

  return { root, registry: path.join(root, 'registry'), tags: all.length, containers: plan.length, collections: seenCollections.size, commits, moved: movedTags.size };
}
