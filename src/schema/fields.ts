import { z } from 'zod';

// Small building blocks shared by the record schemas. Each carries the sentence that the
// friendly-errors formatter puts after "expected".

export function isHttpsUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
}

export const httpsUrl = z
  .string()
  .max(2048)
  .refine(isHttpsUrl, { error: 'expected an https:// URL without credentials' });

export const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'expected 64 lowercase hex characters' });

export const md5Hex = z
  .string()
  .regex(/^[0-9a-f]{32}$/, { error: 'expected 32 lowercase hex characters' });

export const byteSize = z
  .int({ error: 'expected a whole number of bytes' })
  .positive({ error: 'expected a positive number of bytes' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'expected a number of bytes below 2^53' });

export const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,49}$/, { error: 'expected a lowercase word of a-z, 0-9 and - (at most 50)' });

export const githubLogin = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, { error: 'expected a GitHub login' });

export const isoDateTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time such as 2024-02-01T12:00:00Z' });

/** Free text with an upper bound, so one hostile record cannot balloon every page. */
export const text = (max: number) => z.string().max(max, { error: `expected at most ${max} characters` });

export const shortText = text(300);
