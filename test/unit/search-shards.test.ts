import { describe, expect, it } from 'vitest';
import { shardAnswers } from '../../src/browser/search.ts';

// Which shards' answers the search page keeps: those a single index would have given.
// has[shard][word]: the shard holds the query word itself (a quoted search found it).

describe('shardAnswers', () => {
  it('drops the near matches of a shard that lacks a word another shard has', () => {
    // "awesome": shard 0 has it; shard 1 would answer with "awful".
    const has = [[true], [false]];
    expect([0, 1].map((s) => shardAnswers(has, s))).toEqual([true, false]);
  });

  it('keeps every shard when no shard has the word (a prefix or a typo: all answers are near matches)', () => {
    const has = [[false], [false], [false]];
    expect([0, 1, 2].map((s) => shardAnswers(has, s))).toEqual([true, true, true]);
  });

  it('needs every word some shard has: an AND across shards is empty, as in one index', () => {
    // "samtools gpu": samtools only in shard 0, gpu only in shard 1.
    const has = [
      [true, false],
      [false, true],
    ];
    expect([0, 1].map((s) => shardAnswers(has, s))).toEqual([false, false]);
  });

  it('ignores a word no shard has while checking the others', () => {
    // "tensorflow runn": runn is a prefix only; tensorflow is in shard 1.
    const has = [
      [false, false],
      [true, false],
    ];
    expect([0, 1].map((s) => shardAnswers(has, s))).toEqual([false, true]);
  });
});
