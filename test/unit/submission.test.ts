import { describe, expect, it } from 'vitest';
import { checkRecord } from '../../src/records/check-record.ts';
import { parseImageReference, submissionBranch, toPullRequest, toTagRecordText } from '../../src/commands/submit/to-submission.ts';
import { image } from '../helpers/git-repo.ts';

describe('parseImageReference', () => {
  it('reads collection/container:tag, the tag defaulting to latest as the shub client does', () => {
    expect(parseImageReference('lab/tool:1.0')).toEqual({ collection: 'lab', container: 'tool', tag: '1.0' });
    expect(parseImageReference('lab/tool')).toEqual({ collection: 'lab', container: 'tool', tag: 'latest' });
  });

  it('names every bad part', () => {
    expect(parseImageReference('tool:1.0')).toEqual(['expected collection/container:tag, e.g. lab/tool:1.0, received "tool:1.0"']);
    const problems = parseImageReference('Lab/tool:README');
    expect(Array.isArray(problems) && problems.map((p) => p.split(':')[0])).toEqual(['collection', 'tag']);
  });
});

describe('toTagRecordText', () => {
  it('writes a record that reads back as the same record, numbers-looking tags and labels quoted', () => {
    const record = { ...image(1), frozen: true, labels: { version: '3.10', enabled: 'no' }, definition: 'Bootstrap: docker\nFrom: alpine:3.19\n' };
    const text = toTagRecordText(record, 'Notes.\n');
    const back = checkRecord({ display: 'x.md', text }, 'tag');
    expect(back).toEqual({ ok: true, data: record, body: '\nNotes.\n' });
    expect(text.split('\n').slice(1, 5)).toEqual([`url: ${record.url}`, `sha256: ${record.sha256}`, `md5: ${record.md5}`, `size: ${record.size}`]);
  });
});

describe('toPullRequest', () => {
  const reference = { collection: 'lab', container: 'tool', tag: '1.0' };
  it('adds, or moves naming the old image and that its pinned pulls keep working', () => {
    expect(toPullRequest({ reference, record: image(2), upload: 'hosted by the submitter' }).title).toBe('Add lab/tool:1.0');
    const moved = toPullRequest({ reference, record: image(2), previous: image(1), upload: 'hosted by the submitter' });
    expect(moved.title).toBe(`Move lab/tool:1.0 to ${image(2).sha256.slice(0, 12)}`);
    expect(moved.body).toContain(`| Replaces | \`${image(1).sha256}\` (1001 B); pinned pulls of the old image keep working |`);
  });

  it('keeps a label key with a pipe from breaking the table', () => {
    const body = toPullRequest({ reference, record: { ...image(2), labels: { 'a|b': 'x' } }, upload: 'u' }).body;
    expect(body).toContain('| Labels | 1 label: `a\\|b` |');
  });
});

describe('submissionBranch', () => {
  it('is a branch name git accepts for any valid tag', () => {
    expect(submissionBranch('lab', 'tool', '1.0', 'abcdef0123')).toBe('sifhub/lab/tool/1.0-abcdef01');
    expect(submissionBranch('lab', 'tool..x', 'v1.', 'abcdef0123')).toBe('sifhub/lab/tool-x/v1--abcdef01');
    expect(submissionBranch('lab', 'tool', 'x.lock', 'abcdef0123')).toBe('sifhub/lab/tool/x--abcdef01');
  });
});
