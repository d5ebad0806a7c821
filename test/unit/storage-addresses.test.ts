import { describe, expect, it } from 'vitest';
import { parseExpiry } from '../../src/commands/share/index.ts';
import { keyOfPublicUrl, parseS3Url, publicUrlOf } from '../../src/storage/s3-url.ts';

describe('parseS3Url', () => {
  it('reads a bucket and a prefix without its slashes', () => {
    expect(parseS3Url('s3://images')).toEqual({ bucket: 'images', prefix: '' });
    expect(parseS3Url('s3://my.images/lab/sif/')).toEqual({ bucket: 'my.images', prefix: 'lab/sif' });
  });

  it('says why a location is not one', () => {
    expect(parseS3Url('https://images/x')).toBe('expected s3://bucket/prefix (a bucket name of 3–63 lowercase letters, digits, . and -), received "https://images/x"');
    expect(parseS3Url('s3://Images')).toMatch(/^expected s3:\/\/bucket\/prefix/);
    expect(parseS3Url('s3://images/a/../b')).toBe('expected a key prefix without . or .. segments, received "s3://images/a/../b"');
  });

  it('maps keys to public URLs and back, segments encoded', () => {
    const url = publicUrlOf('https://cdn.example.org/', 'lab/a b.sif');
    expect(url).toBe('https://cdn.example.org/lab/a%20b.sif');
    expect(keyOfPublicUrl('https://cdn.example.org', url)).toBe('lab/a b.sif');
    expect(keyOfPublicUrl('https://cdn.example.org', 'https://elsewhere.org/lab/a.sif')).toBeUndefined();
  });
});

describe('parseExpiry', () => {
  it('reads seconds, minutes, hours and days, up to the 7 days a presigned link can last', () => {
    expect(['900', '900s', '30m', '12h', '7d'].map(parseExpiry)).toEqual([900, 900, 1800, 43200, 604800]);
  });

  it('refuses anything else with the reason', () => {
    expect(parseExpiry('8d')).toBe('--expires is at most 7d (presigned S3 links cannot last longer), received "8d"');
    expect(parseExpiry('0')).toBe('--expires must be at least 1 second');
    expect(parseExpiry('1w')).toBe('--expires expects a duration such as 30d, 12h, 30m or 900s, received "1w"');
    expect(parseExpiry('1.5h')).toMatch(/^--expires expects a duration/);
  });
});
