import { describe, expect, it } from 'vitest';
import { checkRecord } from '../../src/records/check-record.ts';
import { withMirror } from '../../src/records/add-mirror.ts';
import { image, tagRecord } from '../helpers/git-repo.ts';

// The record edit `sifhub mirror` proposes: one more address, nothing else touched.

const URL_1 = 'https://mirror.example.org/sif/sha256/aa.sif';
const parse = (text: string) => checkRecord({ display: 'lab/tool/1.0.md', text }, 'tag');

describe('withMirror', () => {
  it('adds the address, keeps the rest of the record as written, and adds nothing twice', () => {
    const text = tagRecord(image(1), '# built by CI\ndefinition: |\n  Bootstrap: docker\n  From: ubuntu:22.04\nlabels:\n  maintainer: "Ada"\n', 'Release notes.\n');
    const edited = withMirror(text, URL_1)!;
    expect(parse(edited)).toMatchObject({ ok: true, data: { ...image(1), mirrors: [URL_1], labels: { maintainer: 'Ada' } }, body: expect.stringContaining('Release notes.') });
    // Only lines were added.
    const removed = text.split('\n').filter((line) => !edited.split('\n').includes(line));
    expect(removed).toEqual([]);
    expect(withMirror(edited, URL_1)).toBeUndefined();
    const second = withMirror(edited, 'https://other.example.org/x.sif')!;
    expect(parse(second)).toMatchObject({ ok: true, data: { mirrors: [URL_1, 'https://other.example.org/x.sif'] } });
  });

  it('adds a mirror to one architecture\'s image of a tag that holds several, and nowhere else', () => {
    const text = `${tagRecord(image(1), `architecture: amd64\nplatforms:\n  - architecture: arm64\n    url: ${image(2).url}\n    sha256: ${image(2).sha256}\n    md5: ${image(2).md5}\n    size: ${image(2).size}\n`)}`;
    const edited = withMirror(text, URL_1, ['platforms', 0])!;
    expect(parse(edited)).toMatchObject({ ok: true, data: { platforms: [{ architecture: 'arm64', mirrors: [URL_1] }] } });
    expect((parse(edited) as { data: { mirrors?: string[] } }).data.mirrors).toBeUndefined();
    expect(withMirror(text, URL_1, ['platforms', 1])).toBeUndefined();
  });

  it('leaves alone a text that is not a record it can edit', () => {
    expect(withMirror('no frontmatter', URL_1)).toBeUndefined();
    expect(withMirror('---\nmirrors: "not a list"\n---\n', URL_1)).toBeUndefined();
    expect(withMirror('---\nurl: [unclosed\n---\n', URL_1)).toBeUndefined();
  });
});
