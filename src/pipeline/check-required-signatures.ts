import type { Problem } from '../errors.ts';
import { signatureSentence } from '../model/signatures.ts';
import type { SignatureView, Site } from '../model/types.ts';

// `signatures: required` (registry.yml, or a collection's README): a change may only add or move
// a tag to an image signed by a key its collection trusts, unchanged since signing. What the
// record says of the image's signatures is checked against its bytes by `sifhub verify`. Pure.

/** Problems with the tags a change adds or changes (`changed`: record paths inside the registry, lab/tool/1.0.md). */
export function checkRequiredSignatures(site: Site, changed: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  for (const collection of site.collections) {
    const policy = collection.record.signatures ?? site.config.signatures ?? 'show';
    if (policy !== 'required') continue;
    const where = collection.record.signatures ? `${collection.name}'s README` : 'registry.yml';
    for (const tag of collection.containers.flatMap((c) => c.tags)) {
      if (!changed.has(`${tag.collection}/${tag.container}/${tag.name}.md`) || tag.current.retraction) continue;
      const why = whyNotSigned(tag.signatures, tag.collection);
      if (why) problems.push({ file: tag.file, field: 'signatures', message: `${collection.name} requires signed images (signatures: required in ${where}), and ${why}` });
      // Every architecture's image of the tag, as its own.
      (tag.current.platforms ?? []).forEach((platform, i) => {
        if (platform.retraction) return;
        const whyNot = whyNotSigned(tag.platformSignatures?.[platform.architecture], tag.collection);
        if (whyNot) problems.push({ file: tag.file, field: `platforms.${i}.signatures`, message: `${collection.name} requires signed images (signatures: required in ${where}), and the ${platform.architecture} image: ${whyNot}` });
      });
    }
  }
  return problems;
}

function whyNotSigned(views: readonly SignatureView[] | undefined, collection: string): string | undefined {
  const signatures = views ?? [];
  if (signatures.length === 0) return 'this image carries no signature: sign it (apptainer sign) and submit it again';
  const doubt = signatures.find((s) => s.status === 'tampered' || s.status === 'invalid');
  if (doubt) return `${lowerFirst(signatureSentence(doubt))}`;
  if (signatures.some((s) => s.status === 'verified')) return undefined;
  const untrusted = signatures.find((s) => s.status === 'untrusted');
  if (untrusted) return `it is signed by ${untrusted.signer} (${untrusted.fingerprint ?? untrusted.signer}), whom ${collection} does not list: an owner adds the key to signers: in its README`;
  const unknown = signatures.find((s) => s.status === 'unknown-key');
  if (unknown) return `it is signed by ${unknown.fingerprint ? `the key ${unknown.fingerprint}` : 'a key'}, which the registry does not have: add its public key to registry/keys/ and to signers: in ${collection}'s README`;
  return 'its signatures were recorded without their messages, so they cannot be checked: record them again with sifhub inspect --record';
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
