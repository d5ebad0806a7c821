import { InputError, type Problem } from '../errors.ts';
import { checkHeadHasBase, defineCommand, HEAD_OPTION, REGISTRY_OPTION } from './command.ts';
import { done, formatStepSummary, writeStepSummary } from './output.ts';

export default defineCommand({
  name: 'validate',
  description:
    'Checks every record against its schema and the others (names, one image\'s md5 and size\n' +
    'everywhere), and plans the site the build would write: whatever the build refuses, validate\n' +
    'refuses. With --base, also what the change since REF may do: collection owners and\n' +
    'maintainers are read from REF, frozen tags never move, and only maintainers change anything but\n' +
    'records. With --head, the records are read from that commit, not the working tree: a pull\n' +
    'request is judged without being checked out. registry/.schema/, when present, must be what\n' +
    '`sifhub schema` writes. Every problem is reported at once.',
  options: {
    registry: REGISTRY_OPTION,
    base: { type: 'string', value: 'REF', help: 'the commit the change starts from (a pull request\'s base)' },
    head: HEAD_OPTION,
    author: { type: 'string', value: 'LOGIN', help: 'the change\'s author, whose ownership is checked (with --base)' },
    json: { type: 'boolean', help: 'print the result as JSON: { ok, tags, collections, problems }' },
  },
  async run(values) {
    checkHeadHasBase(values, 'validate');
    const [{ loadRecords }, { loadSite }, { toSitePlan }, { readRegistryFilesAt, changesOutsideRecords }, { checkChange }, { checkSchemaFiles }, { plural }] = await Promise.all([
      import('../records/load-records-fs.ts'),
      import('../pipeline/load-site.ts'),
      import('../pipeline/to-site-plan.ts'),
      import('../records/read-registry-git.ts'),
      import('../records/check-change.ts'),
      import('../records/check-schema-files.ts'),
      import('../site/format.ts'),
    ]);
    // Everything wrong is reported at once: the records' own problems and the change's.
    const problems: Problem[] = [];
    const loaded = await loadRecords(values.registry, { at: values.head });
    const site = await loadSite({ registryDir: values.registry, loaded }).catch((error: unknown) => {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
      return undefined;
    });
    // What the build would refuse once the records are read (two images under one pin, a site
    // over its budget): the same plan the build writes, so the check and the build agree.
    if (site) problems.push(...toSitePlan(site).problems);
    problems.push(...checkSchemaFiles(loaded.files.schemaFiles, loaded.files.display));
    if (values.base !== undefined) {
      const base = await readRegistryFilesAt(values.registry, values.base);
      const outside = await changesOutsideRecords(values.registry, values.base, values.head);
      problems.push(...checkChange({ base, head: loaded.files.files, author: values.author, baseName: values.base, outside }));
      if (site) {
        const before = new Map(base.map((f) => [f.path, f.blob]));
        const changed = new Set(loaded.files.files.filter((f) => before.get(f.path) !== f.blob).map((f) => f.path));
        const { checkRequiredSignatures } = await import('../pipeline/check-required-signatures.ts');
        problems.push(...checkRequiredSignatures(site, changed));
      }
    }
    if (values.json) {
      const ok = problems.length === 0 && site !== undefined;
      console.log(JSON.stringify({ ok, tags: site?.counts.tags ?? null, collections: site?.counts.collections ?? null, problems }, null, 2));
      return ok ? 0 : 1;
    }
    if (problems.length > 0 || !site) throw new InputError(problems);
    await writeStepSummary(formatStepSummary([], 'sifhub validate'));
    console.log(done(`${plural(site.counts.tags, 'tag record')} in ${plural(site.counts.collections, 'collection')}: all valid`) +
      (values.base !== undefined ? `; the change since ${values.base}${values.head !== undefined ? ` to ${values.head}` : ''} keeps the rules${values.author ? ` for ${values.author}` : ''}` : ''));
    return 0;
  },
});
