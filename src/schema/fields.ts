import { z } from 'zod';

// Small building blocks shared by the record schemas. Each carries the sentence that the
// friendly-errors formatter puts after "expected".

/**
 * Why `value` is not an https URL that can be handed on as written, or undefined. WHATWG's parser
 * drops tabs and line feeds and re-encodes what it must, so a string it accepts can still be one
 * that manifests, workflows and clients receive raw: only the canonical form is accepted.
 */
function httpsUrlProblem(value: string): string | undefined {
  if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(value)) return 'expected an https:// URL without spaces or control characters (tab, line feed)';
  if (!URL.canParse(value)) return HTTPS_URL;
  const url = new URL(value);
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') return HTTPS_URL;
  // A host's root may leave out its slash; anything else is written as the parser writes it.
  if (url.href !== value && url.href !== `${value}/`) return `expected the URL as it is sent: ${url.href}`;
  return undefined;
}

const HTTPS_URL = 'expected an https:// URL without credentials';

export function isHttpsUrl(value: string): boolean {
  return httpsUrlProblem(value) === undefined;
}

export const httpsUrl = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const problem = httpsUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

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

/**
 * A person on the registry's forge: a GitHub login (letters, digits, single hyphens, at most 39)
 * or a GitLab username (also `_` and `.`, at most 255, not ending in .git or .atom). Every GitHub
 * login is a valid GitLab username, so one pattern serves both.
 */
export const forgeLogin = z
  .string()
  .regex(/^(?:[A-Za-z0-9_.][A-Za-z0-9_.-]{0,253}[A-Za-z0-9_-]|[A-Za-z0-9_])$/, { error: 'expected a GitHub login or GitLab username' })
  .refine((login) => !/\.(?:git|atom)$/i.test(login), { error: 'expected a GitHub login or GitLab username (a GitLab username never ends in .git or .atom)' });

export const isoDateTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time such as 2024-02-01T12:00:00Z' });

/** Free text with an upper bound, so one hostile record cannot balloon every page. */
export const text = (max: number) => z.string().max(max, { error: `expected at most ${max} characters` });

export const shortText = text(300);

/** A signer key of the registry: a PGP key's fingerprint (keys/FINGERPRINT.asc), or a PEM key's name (keys/NAME.pem) for DSSE signatures. */
export const signerId = z
  .string()
  .regex(/^(?:[0-9A-F]{40}|[a-z0-9][a-z0-9-]{0,63})$/, { error: 'expected a PGP key fingerprint (40 upper-case hex digits, its key in registry/keys/FINGERPRINT.asc) or the name of a PEM key (registry/keys/NAME.pem)' });

/** How much a registry, or a collection, makes of signatures. */
export const signaturePolicy = z
  .enum(['off', 'show', 'required'])
  .describe('What signatures mean here: off (not shown or checked), show (the default: each tag page says who signed its image and whether the signature holds), required (a pull request whose new or changed image is unsigned, signed by a key the collection does not list, or changed after signing fails the check).');
