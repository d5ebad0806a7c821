import type { SignatureView } from './types.ts';

// What a tag's page says about its image's signatures: one badge, and a sentence per signature.
// Pure.

/** The badge: the best news first, and a warning when any signature is in doubt. */
export function signatureBadge(views: readonly SignatureView[]): { text: string; ok: boolean } {
  if (views.some((v) => v.status === 'tampered')) return { text: 'changed after signing', ok: false };
  if (views.some((v) => v.status === 'invalid')) return { text: 'signature does not hold', ok: false };
  const verified = views.find((v) => v.status === 'verified');
  if (verified) return { text: `signed by ${shortName(verified.signer)}, verified`, ok: true };
  if (views.some((v) => v.status === 'untrusted')) return { text: 'signed by a key this collection does not list', ok: false };
  if (views.some((v) => v.status === 'unknown-key')) return { text: 'signed by an unknown key', ok: false };
  return { text: `signed (${views.length}), not checked`, ok: false };
}

/** One signature, as a sentence a person can act on. */
export function signatureSentence(view: SignatureView): string {
  const key = view.fingerprint ? ` (${view.fingerprint})` : '';
  const covers = view.objects?.length ? `; it covers ${view.objects.length === 1 ? `object ${view.objects[0]}` : `objects ${view.objects.join(', ')}`}` : '';
  const resigned = view.keyResigned ? ' The key was re-signed after the image was signed, which apptainer verify accepts.' : '';
  switch (view.status) {
    case 'verified':
      return `Signed by ${view.signer}${key}, a key this collection trusts, and verified: the image is unchanged since it was signed${covers}.${resigned}`;
    case 'untrusted':
      return `Signed by ${view.signer}${key}, and the signature holds${covers}, but this collection does not list that key among its signers.${resigned}`;
    case 'unknown-key':
      return `Signed by a key this registry does not have${key}: who signed it cannot be told here.`;
    case 'invalid':
      return `A ${view.type} signature${key} that does not hold: ${view.problem}.`;
    case 'tampered':
      return `Signed${view.signer ? ` by ${view.signer}` : ''}${key}, but the image changed after signing: ${view.problem}.`;
    case 'unchecked':
      return `A ${view.type} signature${key}, recorded without its signed message, so not checked here: submit the image again with a current sifhub to check it.`;
  }
}

/** "Unit Test" of "Unit Test <unit@test.com>". */
function shortName(signer: string | undefined): string {
  return (signer ?? 'a trusted key').replace(/\s*<[^>]*>\s*$/, '') || signer || 'a trusted key';
}

/** `signed` and `fingerprints`, as Sylabs' library reports them: by the keys a collection trusts, on an unchanged image. */
export function signedFacts(signatures: readonly SignatureView[] | undefined): { signed: boolean; fingerprints: string[] } {
  const verified = (signatures ?? []).filter((s) => s.status === 'verified');
  return { signed: verified.length > 0, fingerprints: [...new Set(verified.map((s) => s.fingerprint ?? s.signer ?? ''))].filter(Boolean) };
}
