#!/usr/bin/env node
// The `sifhub` command: parse arguments, call src/, map errors to exit codes. Nothing else.
import { appendFile, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, styleText } from 'node:util';
import { buildSite } from '../src/pipeline/build.ts';
import { loadRegistry } from '../src/records/read-registry-fs.ts';
import { loadSite } from '../src/pipeline/load-site.ts';
import { readRegistryAt } from '../src/records/read-registry-git.ts';
import { validateChange } from '../src/records/check-change.ts';
import { githubAccessFromEnv } from '../src/github/octokit.ts';
import { EnvironmentError, formatAnnotations, formatWarningAnnotation, formatStepSummary, InputError, type Problem } from '../src/errors.ts';
import { recordJsonSchemas, toJsonText } from '../src/schema/json-schema.ts';
import { checkDeployment } from '../src/serve/check-deployment-http.ts';
import { startStaticServer } from '../src/serve/static-server-node.ts';
import { plural } from '../src/site/format.ts';
import { basePath } from '../src/site/urls.ts';
import { verifyRegistry } from '../src/commands/verify/verify-registry.ts';
import { inspectFile } from '../src/sif/inspect-file-fs.ts';
import { formatInspection } from '../src/sif/format-inspection.ts';
import { parseExpiry, shareLink } from '../src/commands/share/share-link.ts';
import { progressBar } from '../src/commands/submit/progress-tty.ts';
import { submit, type UploadTarget } from '../src/commands/submit/submit.ts';
import { parseImageReference, type ImageReference } from '../src/commands/submit/to-submission.ts';

const EXIT = { ok: 0, invalidRecords: 1, usage: 2, environment: 3, bug: 70 } as const;

const HELP = `sifhub — a serverless registry for Singularity/Apptainer images

Usage:
  sifhub build    [--registry DIR] [--out DIR] [--quiet] [--fresh]
                  build the static site (default registry/ → dist/); unchanged collections'
                  output and unchanged records' parses are kept from the last build unless --fresh
  sifhub validate [--registry DIR] [--base REF] [--author LOGIN]
                  check every record; with --base, also what the change since REF may do
                  (owners from REF, frozen tags), as LOGIN's pull request
  sifhub verify   [--registry DIR] (--base REF | --all) [--allow-host HOST] [--max-size BYTES]
                  [--timeout SECONDS] [--jobs N]
                  download new or changed images (or all) and check size, sha256, md5, SIF magic
  sifhub check-deployment --url URL                       fetch the API, manifests and home page of a live site
  sifhub serve    [--dir DIR] [--host H] [--port N]        preview a built site (default dist/, 127.0.0.1:4321)
  sifhub schema   [--registry DIR]                         write the record JSON Schemas to DIR/.schema/
  sifhub inspect  FILE.sif [--json]                        what a SIF says about itself: labels, definition
                  file, runscript, apps, signatures, OS (never reads the whole file)
  sifhub submit   FILE.sif COLLECTION/CONTAINER:TAG (--upload s3[://BUCKET/PREFIX] [--public-url URL]
                  | --upload github-release | --url URL) [--registry DIR] [--remote NAME]
                  [--frozen] [--owner LOGIN] [--no-push] [--no-pr]
                  hash, inspect and upload the image, commit its record on a new branch, push it
                  and open a pull request (GITHUB_TOKEN); S3 is configured the AWS SDK's way
                  (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL)
  sifhub share    COLLECTION/CONTAINER:TAG [--expires 7d] [--registry DIR]
                  an expiring link (at most 7 days) to an image in the registry's S3 bucket

Exit codes: 0 success, 1 invalid records, 2 bad usage, 3 environment (git, files, a bad SIF, storage,
network: the message says what to retry), 70 a bug in sifhub.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const options = {
    registry: { type: 'string', default: 'registry' },
    out: { type: 'string', default: 'dist' },
    dir: { type: 'string', default: 'dist' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4321' },
    quiet: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    base: { type: 'string' },
    author: { type: 'string' },
    all: { type: 'boolean', default: false },
    'allow-host': { type: 'string' },
    'max-size': { type: 'string', default: String(20 * 1024 ** 3) },
    timeout: { type: 'string', default: '1800' },
    'idle-timeout': { type: 'string', default: '60' },
    jobs: { type: 'string', default: '3' },
    url: { type: 'string' },
    json: { type: 'boolean', default: false },
    upload: { type: 'string' },
    'public-url': { type: 'string' },
    remote: { type: 'string', default: 'origin' },
    push: { type: 'boolean', default: true },
    pr: { type: 'boolean', default: true },
    frozen: { type: 'boolean', default: false },
    owner: { type: 'string' },
    expires: { type: 'string', default: '7d' },
    help: { type: 'boolean', short: 'h', default: false },
  } as const;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, allowNegative: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }

  const expectPositionals = (names: string[]) => {
    if (positionals.length !== names.length) {
      throw new UsageError(names.length === 0 ? `${command} takes no ${positionals.length === 1 ? 'argument' : 'arguments'}, received "${positionals.join(' ')}"` : `${command} expects ${names.join(' and ')}, received ${positionals.length === 0 ? 'nothing' : `"${positionals.join(' ')}"`}`);
    }
    return positionals;
  };
  if (!['inspect', 'submit', 'share'].includes(command)) expectPositionals([]);

  switch (command) {
    case 'inspect': {
      const [file] = expectPositionals(['a SIF file']);
      const inspection = await inspectFile(file!).catch(rethrowAsEnvironment(file!));
      console.log(values.json ? JSON.stringify(inspection, null, 2) : formatInspection(file!, inspection));
      return EXIT.ok;
    }
    case 'submit': {
      const [file, name] = expectPositionals(['a SIF file', 'COLLECTION/CONTAINER:TAG']);
      const reference = imageReference(name!);
      const chosen = [values.upload !== undefined, values.url !== undefined].filter(Boolean).length;
      if (chosen !== 1) throw new UsageError('submit needs exactly one of --upload s3://BUCKET/PREFIX, --upload github-release or --url https://…');
      let target: UploadTarget;
      if (values.url !== undefined) target = { kind: 'url', url: values.url };
      else if (values.upload === 'github-release') target = { kind: 'github-release' };
      else if (values.upload === 's3' || values.upload!.startsWith('s3://')) target = { kind: 's3', s3: values.upload === 's3' ? undefined : values.upload, publicUrl: values['public-url'] };
      else throw new UsageError(`--upload expects s3://BUCKET/PREFIX, s3 (registry.yml storage) or github-release, received "${values.upload}"`);
      if (values['public-url'] !== undefined && target.kind !== 's3') throw new UsageError('--public-url goes with --upload s3');
      const result = await submit({
        file: file!, reference, registryDir: values.registry, target, remote: values.remote, push: values.push, pullRequest: values.pr, frozen: values.frozen, owner: values.owner,
        github: githubAccessFromEnv(), env: process.env,
        log: (line) => console.log(line.startsWith('✔') ? `${styleText('green', '✔')}${line.slice(1)}` : line),
        warn: printWarning,
        progress: (label, total) => progressBar(label, total),
      }).catch(rethrowAsEnvironment(file!));
      if (result.pullRequestUrl) console.log(result.pullRequestUrl);
      return EXIT.ok;
    }
    case 'share': {
      const [name] = expectPositionals(['COLLECTION/CONTAINER:TAG']);
      const reference = imageReference(name!);
      const expiresIn = parseExpiry(values.expires);
      if (typeof expiresIn === 'string') throw new UsageError(expiresIn);
      const link = await shareLink({ registryDir: values.registry, reference, expiresIn, env: process.env });
      console.error(`${styleText('green', '✔')} ${link.object}, valid until ${link.expires.toISOString().replace(/\.\d+Z$/, 'Z')}:`);
      console.log(link.url);
      return EXIT.ok;
    }
    case 'build': {
      const result = await buildSite({ registryDir: values.registry, outDir: values.out, quiet: values.quiet, fresh: values.fresh, github: githubAccessFromEnv(), searchShardRecords: positiveEnv('SIFHUB_SEARCH_SHARD_RECORDS') });
      for (const warning of result.warnings) printWarning(warning);
      const { counts } = result.site;
      const uncommitted = result.site.collections.flatMap((c) => c.containers.flatMap((n) => n.tags)).filter((t) => t.uncommitted);
      console.log(
        `${styleText('green', '✔')} Built ${values.out}/: ${plural(counts.collections, 'collection')}, ${plural(counts.containers, 'container')}, ${plural(counts.tags, 'tag')}, ` +
          `${plural(result.files.manifests, 'shub manifest')}${result.reused > 0 ? ` written, ${plural(result.reused, 'unchanged collection')} kept` : ''} (${result.timings.reduce((s, t) => s + t.seconds, 0).toFixed(1)} s)`,
      );
      if (uncommitted.length > 0) {
        console.log(styleText('yellow', `! ${plural(uncommitted.length, 'tag record')} differ from the last commit and are shown as uncommitted: ${uncommitted.slice(0, 3).map((t) => t.file).join(', ')}${uncommitted.length > 3 ? ', …' : ''}`));
      }
      return EXIT.ok;
    }
    case 'validate': {
      // Everything wrong is reported at once: the records' own problems and the change's.
      const problems: Problem[] = [];
      const head = await loadRegistry(values.registry);
      const site = await loadSite({ registryDir: values.registry, loaded: head }).catch((error: unknown) => {
        if (!(error instanceof InputError)) throw error;
        problems.push(...error.problems);
        return undefined;
      });
      if (values.base !== undefined) {
        const base = await readRegistryAt(values.registry, values.base);
        problems.push(...validateChange({ base, head: head.files, author: values.author, baseName: values.base }));
      }
      if (problems.length > 0 || !site) throw new InputError(problems);
      await writeStepSummary(formatStepSummary([], 'sifhub validate'));
      console.log(`${styleText('green', '✔')} ${plural(site.counts.tags, 'tag record')} in ${plural(site.counts.collections, 'collection')}: all valid` +
        (values.base !== undefined ? `; the change since ${values.base} keeps the rules${values.author ? ` for ${values.author}` : ''}` : ''));
      return EXIT.ok;
    }
    case 'verify': {
      if ((values.base === undefined) === !values.all) throw new UsageError('verify needs either --base REF (new and changed tags) or --all');
      const number = (name: 'max-size' | 'timeout' | 'idle-timeout' | 'jobs') => positiveWholeNumber(values[name], `--${name}`);
      const options = { allowHost: values['allow-host'], maxBytes: number('max-size'), timeoutMs: number('timeout') * 1000, idleMs: number('idle-timeout') * 1000, jobs: number('jobs'), githubServerUrl: githubAccessFromEnv().serverUrl };
      const reports = await verifyRegistry(values.registry, values.all ? { all: true } : { base: values.base! }, options, (r) => {
        console.log(r.failure ? `${styleText('red', '✖')} ${r.tag.file}  ${r.failure}` : `${styleText('green', '✔')} ${r.tag.file}  ${r.tag.record.size.toLocaleString('en')} bytes, sha256 and md5 match`);
      });
      const failed: Problem[] = reports.filter((r) => r.failure).map((r) => ({ file: r.tag.file, field: 'url', message: `${r.tag.record.url} ${r.failure}` }));
      if (failed.length > 0) throw new InputError(failed);
      await writeStepSummary(`### sifhub verify\n\n✔ ${plural(reports.length, 'image')} checked.\n`);
      console.log(reports.length === 0 ? 'No new or changed images to verify.' : `${styleText('green', '✔')} ${plural(reports.length, 'image')} verified`);
      return EXIT.ok;
    }
    case 'serve': {
      const registry = JSON.parse(await readFile(path.join(values.dir, 'api/v1/registry.json'), 'utf8').catch(() => {
        throw new UsageError(`${values.dir}/ holds no built site; run \`sifhub build\` first`);
      })) as { url: string };
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port expects a port number, received "${values.port}"`);
      const server = await startStaticServer({ root: values.dir, host: values.host, port, base: basePath(registry) });
      console.log(`Serving ${values.dir}/ at ${server.url}/ (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      await server.close();
      return EXIT.ok;
    }
    case 'check-deployment': {
      if (!values.url || !URL.canParse(values.url)) throw new UsageError('check-deployment needs --url with the deployed site\'s URL');
      // Pages needs a moment before a new deployment answers; SIFHUB_DEPLOY_WAIT_SECONDS bounds the wait.
      const wait = Number(process.env.SIFHUB_DEPLOY_WAIT_SECONDS ?? 150);
      const result = await checkDeployment(values.url, { attempts: Math.max(1, Math.floor(wait / 15)), delayMs: 15_000, tags: 3 });
      for (const p of result.checked) console.log(`${styleText('green', '✔')} ${values.url.replace(/\/*$/, '')}${p}`);
      if (result.problems.length > 0) throw new EnvironmentError(`The deployed site at ${values.url} is broken:\n  ${result.problems.join('\n  ')}`);
      return EXIT.ok;
    }
    case 'schema': {
      const dir = path.join(values.registry, '.schema');
      await mkdir(dir, { recursive: true });
      for (const [name, schema] of Object.entries(recordJsonSchemas())) await writeFile(path.join(dir, name), toJsonText(schema));
      console.log(`Wrote the record JSON Schemas to ${dir}/`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function imageReference(text: string): ImageReference {
  const reference = parseImageReference(text);
  if (Array.isArray(reference)) throw new UsageError(reference.join('\n'));
  return reference;
}

function positiveWholeNumber(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${what} expects a positive whole number, received "${text}"`);
  return n;
}

/** A tuning knob from the environment: a positive whole number, or unset. */
function positiveEnv(name: string): number | undefined {
  const text = process.env[name];
  return text === undefined || text === '' ? undefined : positiveWholeNumber(text, name);
}

/** A file that cannot be read is the environment's problem (exit 3), never a stack trace. */
function rethrowAsEnvironment(file: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (!(error instanceof EnvironmentError) && typeof error.code === 'string' && error.syscall) throw new EnvironmentError(`cannot read ${file}: ${error.message}`, { cause: error });
    throw error;
  };
}

function printWarning(message: string): void {
  if (process.env.GITHUB_ACTIONS === 'true') console.log(formatWarningAnnotation(message));
  else console.warn(styleText('yellow', `! ${message}`));
}

async function writeStepSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (process.env.GITHUB_ACTIONS === 'true' && file) await appendFile(file, `${markdown}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof InputError) {
      console.error(styleText('red', error.message));
      // In GitHub Actions, also annotate the pull request's files and summarise the job.
      if (process.env.GITHUB_ACTIONS === 'true') {
        console.log(formatAnnotations(error.problems));
        void writeStepSummary(formatStepSummary(error.problems, `sifhub ${process.argv[2] ?? ''}`)).finally(() => process.exit(EXIT.invalidRecords));
        return;
      }
      process.exit(EXIT.invalidRecords);
    }
    if (error instanceof UsageError) {
      console.error(`sifhub: ${error.message}\n\n${HELP}`);
      process.exit(EXIT.usage);
    }
    if (error instanceof EnvironmentError) {
      console.error(styleText('red', `✖ ${error.message}`));
      process.exit(EXIT.environment);
    }
    console.error(error);
    console.error(styleText('red', '\n✖ This is a bug in sifhub. Please report it with the output above to the maintainers of your sifhub copy.'));
    process.exit(EXIT.bug);
  },
);
