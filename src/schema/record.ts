import { z } from 'zod';
import { MAX_LABELS } from './bounds.ts';
import { byteSize, forgeLogin, httpsUrl, isoDateTime, md5Hex, sha256Hex, shortText, signaturePolicy, signerId, slug, text } from './fields.ts';

// The records humans commit under registry/. One zod schema per concept; every type in the
// project is inferred from these, and registry/.schema/*.json is generated from them.

const labels = z
  .record(z.string().min(1).max(200), text(4096))
  .refine((map) => Object.keys(map).length <= MAX_LABELS, { error: (issue) => `expected at most ${MAX_LABELS} labels (each key is a page of the site), received ${Object.keys(issue.input as object).length}` })
  .describe('Labels as the image records them: key → string value (quote values that look like numbers).');

const app = z
  .strictObject({
    runscript: text(65536).optional().describe('The app\'s %apprun section.'),
    help: text(65536).optional().describe('The app\'s %apphelp text.'),
    environment: text(65536).optional().describe('The app\'s %appenv section.'),
    test: text(65536).optional().describe('The app\'s %apptest section.'),
    labels: labels.optional(),
  })
  .describe('One SCIF app inside the image.');

const signature = z
  .strictObject({
    type: z.enum(['pgp', 'pgp-legacy', 'dsse', 'unknown']).describe('Signature format.'),
    hash: z.enum(['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'unknown']).describe('Hash the signature covers.'),
    fingerprint: z
      .string()
      .regex(/^[0-9A-F]{40}$/, { error: 'expected 40 uppercase hex characters' })
      .describe('Fingerprint of the signing key (all zeros for key-less DSSE).'),
    objects: z.array(z.int().min(1).max(0xffffffff)).max(4096).optional().describe('The IDs of the SIF objects the signature covers, each unchanged since signing (`sifhub verify` checks this against the image).'),
    tampered: z.string().min(1).max(300).optional().describe('What changed in the image after it was signed (an object, a descriptor, the header); absent when nothing did. `sifhub verify` checks this against the image.'),
    message: z
      .string()
      .max(64 * 1024)
      .optional()
      .describe('The signature object as stored in the image: a PGP clear-signed message or a DSSE envelope. The build checks it against the registry\'s signer keys; `sifhub verify` checks it is the image\'s.'),
  })
  .describe('A signature object stored in the SIF.');

/** Why an image is taken back: shown on its pages, so it is one plain sentence. */
const reason = z.string().trim().min(1, { error: 'expected a reason: one sentence people will read on the image\'s page' }).max(300, { error: 'expected at most 300 characters' });

const retracted = (what: string) =>
  z
    .array(z.strictObject({ sha256: sha256Hex.describe('SHA-256 of the image.'), reason: reason.describe('Why, in one sentence people will read on the image\'s page.') }).describe(`An image of this container, ${what}, and why.`))
    .max(1000)
    .optional();

const architecture = z.string().regex(/^[a-z0-9_]{1,20}$/, { error: 'expected an architecture such as amd64, arm64 or ppc64le' });

/** Other architectures a tag holds, beside its own image's (the tag's `url`). */
const MAX_PLATFORMS = 8;

const platform = z
  .strictObject({
    architecture: architecture.describe('Architecture from this image\'s SIF header (amd64, arm64, ppc64le, …).'),
    url: httpsUrl.describe('Direct https URL of this architecture\'s SIF file, served as `url` is.'),
    sha256: sha256Hex.describe('SHA-256 of the SIF file, lowercase hex.'),
    md5: md5Hex.describe('MD5 of the SIF file, lowercase hex.'),
    size: byteSize.describe('Size of the SIF file in bytes.'),
    mirrors: z.array(httpsUrl).max(10).optional().describe('Other https URLs serving the same bytes.'),
    created: isoDateTime.optional().describe('When the image was built (SIF header).'),
    signatures: z.array(signature).max(64).optional().describe('Signatures stored in the SIF.'),
  })
  .describe('The image of this tag for one more architecture.');

export const tagRecord = z
  .strictObject({
    url: httpsUrl.describe('Direct https URL of the SIF file. Must answer HEAD and GET with 200 and an exact Content-Length, without redirecting (sregistry-cli does not follow redirects); GitHub release download URLs are the one exception: they redirect to GitHub\'s asset host, which Apptainer and Singularity follow.'),
    sha256: sha256Hex.describe('SHA-256 of the SIF file, lowercase hex. The shub `commit` (the client\'s cache key).'),
    md5: md5Hex.describe('MD5 of the SIF file, lowercase hex. The shub `version`: `pull shub://…/name@<md5>` pins it.'),
    size: byteSize.describe('Size of the SIF file in bytes.'),
    mirrors: z.array(httpsUrl).max(10).optional().describe('Other https URLs serving the same bytes.'),
    frozen: z.boolean().optional().describe('A frozen tag may never point at another image; it may still be yanked or withdrawn.'),
    yanked: reason.optional().describe('Why this image was yanked: the tag (and `latest`) no longer resolve to it, and it stays pullable by its exact pin (name:tag@md5). Owners and maintainers only.'),
    withdrawn: reason.optional().describe('Why this image was withdrawn: no manifest serves it in any form, its pages keep a tombstone with this reason, and verify no longer fetches it. Owners and maintainers only.'),
    architecture: architecture.optional().describe('Architecture from the SIF header. Required with `platforms`: it is the architecture of the image at `url`.'),
    created: isoDateTime.optional().describe('When the image was built (SIF header).'),
    definition: text(262144).optional().describe('The definition file the image was built from.'),
    bootstrap: shortText.optional().describe('Bootstrap agent of the definition file (docker, library, localimage, …).'),
    from: shortText.optional().describe('The `From:` line of the definition file.'),
    labels: labels.optional(),
    runscript: text(65536).optional().describe('The image\'s runscript.'),
    startscript: text(65536).optional().describe('The image\'s startscript (instances).'),
    test: text(65536).optional().describe('The image\'s %test section.'),
    help: text(65536).optional().describe('The image\'s %help text.'),
    environment: text(65536).optional().describe('The image\'s environment scripts.'),
    apps: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected an app name' }), app).optional().describe('SCIF apps by name.'),
    signatures: z.array(signature).max(64).optional().describe('Signatures stored in the SIF.'),
    oci: z.boolean().optional().describe('True for an OCI-SIF image.'),
    os: z
      .strictObject({ id: shortText.describe('ID from /etc/os-release.'), versionId: shortText.optional().describe('VERSION_ID from /etc/os-release.') })
      .optional()
      .describe('Operating system from /etc/os-release inside the image.'),
    platforms: z
      .array(platform)
      .min(1)
      .max(MAX_PLATFORMS)
      .optional()
      .describe('The same tag built for other architectures, one image each. oras:// serves the tag as an image index, library:// the architecture the client asks for (where the host routes on it); shub:// and plain downloads get the image at `url`.'),
  })
  .describe('One tag of a container: the image it points at, and what the image says about itself. The Markdown body holds release notes.');

/** What Singularity Registry HPC (shpc) adds to a container's module: commands and features. */
const shpc = z
  .strictObject({
    aliases: z
      .record(z.string().regex(/^\w[\w-]{0,63}$/, { error: 'expected a command name: letters, digits, _ and -' }), shortText)
      .optional()
      .describe('Commands the module puts on the PATH, each run in the container: name → the command inside it (e.g. samtools: /usr/local/bin/samtools).'),
    features: z
      .strictObject({
        gpu: z.boolean().optional().describe('The container uses the GPU (shpc adds --nv or --rocm as its settings say).'),
        x11: z.boolean().optional().describe('The container opens X11 windows.'),
        home: z.boolean().optional().describe('The container needs a home directory bound.'),
      })
      .optional()
      .describe('shpc features the container needs.'),
  })
  .describe('For Singularity Registry HPC (shpc): the commands and features of the module each container installs as (library.json, container.yaml).');

export const collectionRecord = z
  .strictObject({
    summary: shortText.optional().describe('One sentence shown in lists.'),
    owners: z.array(forgeLogin).max(100).optional().describe('GitHub logins (or GitLab usernames) allowed to change this collection.'),
    topics: z.array(slug).max(20).optional().describe('Topics, lowercase words.'),
    starsIssue: z
      .int({ error: 'expected an issue number such as 12' })
      .positive({ error: 'expected an issue number such as 12' })
      .max(2 ** 31 - 1, { error: 'expected an issue number such as 12' })
      .optional()
      .describe('An issue in the registry\'s repository (registry.yml `repository`): its 👍 reactions are this collection\'s stars, and the collection page links to it.'),
    signers: z.array(signerId).max(100).optional().describe('The keys whose signatures this collection trusts, beside registry.yml\'s: PGP fingerprints (keys in registry/keys/FINGERPRINT.asc) or PEM key names (registry/keys/NAME.pem). Owners and maintainers only.'),
    signatures: signaturePolicy.optional(),
    shpc: shpc.optional(),
  })
  .describe('A collection (registry/<collection>/README.md). The Markdown body is its description.');

export const containerRecord = z
  .strictObject({
    summary: shortText.optional().describe('One sentence shown in lists.'),
    topics: z.array(slug).max(20).optional().describe('Topics, lowercase words.'),
    source: httpsUrl.optional().describe('Where the definition files live (https).'),
    license: shortText.optional().describe('License of the software in the image (SPDX identifier).'),
    yanked: retracted('yanked (pullable by its exact pin only)').describe('Images of this container\'s tags, current or in their history, that were yanked: no tag or `latest` resolves to them, and each stays pullable by its pin (name@md5). Owners and maintainers only.'),
    shpc: shpc.optional().describe('shpc aliases and features for this container (beside its collection\'s).'),
    withdrawn: retracted('withdrawn (not served at all)').describe('Images of this container\'s tags, current or in their history (also of deleted tags), that were withdrawn: no manifest serves them, their pages keep a tombstone, verify no longer fetches them. Owners and maintainers only.'),
  })
  .describe('A container (registry/<collection>/<container>/README.md). The Markdown body is its description.');

export type TagRecord = z.infer<typeof tagRecord>;
export type CollectionRecord = z.infer<typeof collectionRecord>;
export type ContainerRecord = z.infer<typeof containerRecord>;
