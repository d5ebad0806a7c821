import { describe, expect, it } from 'vitest';
import { checkChange } from '../../src/records/check-change.ts';
import type { RegistryFile } from '../../src/records/types.ts';
import { image, tagRecord } from '../helpers/git-repo.ts';

// What a pull request may change, on literal files (blob ids stand for content).

const file = (path: string, text: string): RegistryFile => ({ path, display: `registry/${path}`, text, blob: `blob:${text}` });
const config = file('registry.yml', 'name: T\nurl: https://r.example.org\nmaintainers: [Grace]\n');
const lab = file('lab/README.md', '---\nowners: [Ada]\n---\n');
const frozen = file('lab/tool/1.0.md', tagRecord(image(1), 'frozen: true\n'));
const base = [config, lab, frozen];
const check = (head: RegistryFile[], author?: string) => checkChange({ base, head, author, baseName: 'main' }).map((p) => `${p.file}${p.field ? ` ${p.field}` : ''}: ${p.message}`);

describe('checkChange', () => {
  it('lets an owner add a tag to their collection', () => {
    expect(check([...base, file('lab/tool/2.0.md', tagRecord(image(2)))], 'ada')).toEqual([]);
  });

  it('refuses moving, unfreezing or deleting a frozen tag, to maintainers too', () => {
    expect(check([config, lab, file('lab/tool/1.0.md', tagRecord(image(2), 'frozen: true\n'))], 'Grace')).toEqual([
      `registry/lab/tool/1.0.md sha256: moves a frozen tag from ${image(1).sha256.slice(0, 12)}… to ${image(2).sha256.slice(0, 12)}…; frozen tags never change image and are never deleted (frozen in main)`,
    ]);
    expect(check([config, lab, file('lab/tool/1.0.md', tagRecord(image(1)))])).toEqual([
      'registry/lab/tool/1.0.md frozen: unfreezes a frozen tag; frozen tags never change image and are never deleted (frozen in main)',
    ]);
    expect(check([config, lab])).toEqual(['registry/lab/tool/1.0.md (deleted): deletes a frozen tag; frozen tags never change image and are never deleted (frozen in main)']);
  });

  it('refuses adding or moving an architecture\'s image of a frozen tag: its index would change', () => {
    const arm = (n: number) => `architecture: amd64\nplatforms:\n  - architecture: arm64\n    url: ${image(n).url}\n    sha256: ${image(n).sha256}\n    md5: ${image(n).md5}\n    size: ${image(n).size}\n`;
    const [added] = check([config, lab, file('lab/tool/1.0.md', tagRecord(image(1), `frozen: true\n${arm(3)}`))], 'Grace');
    expect(added).toBe(`registry/lab/tool/1.0.md platforms: changes the architectures' images of a frozen tag (none → arm64 ${image(3).sha256.slice(0, 12)}…); frozen tags never change image and are never deleted (frozen in main)`);
    const frozenTwo = file('lab/tool/1.0.md', tagRecord(image(1), `frozen: true\n${arm(3)}`));
    expect(checkChange({ base: [config, lab, frozenTwo], head: [config, lab, file('lab/tool/1.0.md', tagRecord(image(1), `frozen: true\n${arm(4)}`))], author: 'Grace', baseName: 'main' })).toHaveLength(1);
    expect(checkChange({ base: [config, lab, frozenTwo], head: [config, lab, file('lab/tool/1.0.md', tagRecord(image(1), `frozen: true\n${arm(3)}yanked: Wrong build.\n`))], author: 'Grace', baseName: 'main' })).toEqual([]);
  });

  it('lets owners and maintainers yank or withdraw a frozen tag, which still never moves', () => {
    const yanked = file('lab/tool/1.0.md', tagRecord(image(1), 'frozen: true\nyanked: Wrong reference genome.\n'));
    const withdrawn = file('lab/tool/1.0.md', tagRecord(image(1), 'frozen: true\nwithdrawn: Ships a cryptominer.\n'));
    expect(check([config, lab, yanked], 'Ada')).toEqual([]);
    expect(check([config, lab, withdrawn], 'Grace')).toEqual([]);
    const movedAway = file('lab/tool/1.0.md', tagRecord(image(2), 'frozen: true\nwithdrawn: Moved away.\n'));
    expect(check([config, lab, movedAway], 'Ada')[0]).toContain('moves a frozen tag');
  });

  it('refuses a yank or withdrawal by anyone but the collection\'s owners and maintainers', () => {
    const yanked = file('lab/tool/1.0.md', tagRecord(image(1), 'frozen: true\nyanked: I do not like it.\n'));
    expect(check([config, lab, yanked], 'Mallory')).toEqual([
      'registry/lab/tool/1.0.md: Mallory may not change collection "lab": its owners are Ada in main (maintainers: Grace). A pull request may only touch collections its author owns.',
    ]);
    const listed = file('lab/tool/README.md', `---\nwithdrawn:\n  - sha256: "${image(1).sha256}"\n    reason: Not mine.\n---\n`);
    expect(check([...base, listed], 'Mallory')).toHaveLength(1);
  });

  it('refuses a change to a collection its author does not own, naming the owners from the base', () => {
    const selfPromoted = file('lab/README.md', '---\nowners: [Ada, Mallory]\n---\n');
    expect(check([config, selfPromoted, frozen], 'Mallory')).toEqual([
      'registry/lab/README.md: Mallory may not change collection "lab": its owners are Ada in main (maintainers: Grace). A pull request may only touch collections its author owns.',
    ]);
  });

  it('lets only maintainers change the registry\'s own files, judged by the base\'s maintainers', () => {
    const takeover = file('registry.yml', 'name: T\nurl: https://r.example.org\nmaintainers: [Grace, Mallory]\n');
    expect(check([takeover, lab, frozen], 'Mallory')).toEqual([
      'registry/registry.yml: Mallory may not change registry.yml: only maintainers may change the registry\'s own files (maintainers: Grace)',
    ]);
    expect(check([takeover, lab, frozen], 'grace')).toEqual([]);
  });

  it('needs a new collection to list its author as owner', () => {
    expect(check([...base, file('new/README.md', '---\nowners: [Someone]\n---\n'), file('new/x/1.md', tagRecord(image(3)))], 'Ada')).toEqual([
      'registry/new/README.md owners: new collection "new" must list its author Ada in owners (registry/new/README.md), received Someone',
    ]);
    expect(check([...base, file('new/README.md', '---\nowners: [ada]\n---\n'), file('new/x/1.md', tagRecord(image(3)))], 'Ada')).toEqual([]);
  });

  it('lets only maintainers change files outside the records', () => {
    const outside = ['.github/workflows/pull-request.yml', 'registry/.schema/tag.schema.json'];
    const judged = (author: string) => checkChange({ base, head: base, author, baseName: 'main', outside }).map((p) => p.file);
    expect(judged('Ada')).toEqual(outside);
    expect(judged('grace')).toEqual([]);
  });

  it('checks no ownership without an author', () => {
    expect(check([...base, file('other/x/1.md', tagRecord(image(3)))])).toEqual([]);
  });
});

describe('signer keys in keys/', () => {
  const FP = '12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84';
  const key = file(`keys/${FP}.asc`, '-----BEGIN PGP PUBLIC KEY BLOCK-----\n…');
  const trusting = file('lab/README.md', `---\nowners: [Ada]\nsigners: ["${FP}"]\n---\n`);

  it('lets an owner add a key their collection lists in signers:, in the same change', () => {
    expect(check([config, trusting, frozen, key], 'ada')).toEqual([]);
  });

  it('refuses a key no collection of the author lists, and any change to a key already there, to all but maintainers', () => {
    expect(check([...base, key], 'ada')).toEqual([`registry/keys/${FP}.asc: ada may add a signer key only for a collection they own whose README lists it in signers:; no such collection of theirs lists ${FP} (maintainers: Grace)`]);
    expect(check([config, trusting, frozen, key], 'mallory')[0]).toContain('may add a signer key only for a collection they own');
    const withKey = [config, trusting, frozen, key];
    const changed = file(`keys/${FP}.asc`, '-----BEGIN PGP PUBLIC KEY BLOCK-----\nother');
    expect(checkChange({ base: withKey, head: [config, trusting, frozen, changed], author: 'ada', baseName: 'main' }).map((p) => p.message)).toEqual([`ada may not change or remove the signer key keys/${FP}.asc: only maintainers may (maintainers: Grace)`]);
    expect(checkChange({ base: withKey, head: [config, trusting, frozen], author: 'ada', baseName: 'main' }).map((p) => p.message)[0]).toContain('may not change or remove the signer key');
    expect(checkChange({ base: withKey, head: [config, trusting, frozen], author: 'grace', baseName: 'main' })).toEqual([]);
  });
});
