import { describe, expect, it } from 'vitest';
import { beginsWith, resultStatus, shardAnswers, suggestQuery } from '../../src/browser/search.ts';

// How the search page turns pagefind's answers into what a visitor sees: every word must be in
// a record, and a large registry's shards answer together as one index would.

describe('shardAnswers', () => {
  it('drops a shard that lacks a word another shard has: none of its containers has both', () => {
    // "awesome": shard 0 has it; shard 1 would answer with "awful".
    const has = [[true], [false]];
    expect([0, 1].map((s) => shardAnswers(has, s))).toEqual([true, false]);
  });

  it('needs every word in one shard: an AND across shards is empty, as in one index', () => {
    // "samtools gpu": samtools only in shard 0, gpu only in shard 1.
    const has = [
      [true, false],
      [false, true],
    ];
    expect([0, 1].map((s) => shardAnswers(has, s))).toEqual([false, false]);
  });
});

describe('beginsWith', () => {
  it('accepts a word the page has, or begins, as one types', () => {
    expect(beginsWith('Alpine', 'alp')).toBe(true);
    expect(beginsWith('BusyBox,', 'busybox')).toBe(true);
    expect(beginsWith('Café', 'cafe')).toBe(true);
  });

  it('accepts a part of a joined word, as pagefind indexes the parts', () => {
    expect(beginsWith('alpine-apps:3.4.0', 'apps')).toBe(true);
    expect(beginsWith('e2e/alpine-apps', 'alpine-apps')).toBe(true);
  });

  it('refuses the shorter word pagefind answers for a longer one no page has', () => {
    expect(beginsWith('alpine', 'alpinx')).toBe(false);
    expect(beginsWith('x86_64', 'xylophone')).toBe(false);
  });
});

describe('resultStatus', () => {
  it('names the words no container has', () => {
    expect(resultStatus(0, 0, ['xylophone'])).toBe('No container has the word “xylophone”.');
    expect(resultStatus(0, 0, ['xylophone', 'kazoo'])).toBe('No container has the words “xylophone” or “kazoo”.');
  });

  it('says how many match and how many are shown until all are', () => {
    expect(resultStatus(133, 50, [])).toBe('133 containers match; 50 are shown.');
    expect(resultStatus(133, 133, [])).toBe('133 containers match.');
    expect(resultStatus(1, 1, [])).toBe('1 container matches.');
    expect(resultStatus(0, 0, [])).toBe('No container matches.');
  });
});

describe('suggestQuery', () => {
  const names = ['alpine', 'alpine-apps', 'apps', 'base', 'busybox', 'samtools'];

  it('replaces a word nothing has with the closest name, keeping the others', () => {
    expect(suggestQuery('alpne', ['alpne'], names)).toBe('alpine');
    expect(suggestQuery('busybox  samtols', ['samtols'], names)).toBe('busybox samtools');
  });

  it('offers nothing when no name is near enough to be a typo', () => {
    expect(suggestQuery('xylophone', ['xylophone'], names)).toBeUndefined();
  });
});
