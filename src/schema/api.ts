import { z } from 'zod';
import { LIBRARY_REDIRECTS } from './site-config.ts';

// Shapes of the JSON API under api/v1/. Small index files plus one file per collection, so a
// program never downloads the whole registry to look at one container.

const usageCount = (what: string) => z.int().nullable().describe(`${what}, fetched from GitHub at build time; null when unknown (never 0 for unknown).`);

const counts = z.strictObject({
  collections: z.int(),
  containers: z.int(),
  tags: z.int(),
  bytes: z.int().describe('Sum of the sizes of the distinct current images of all tags.'),
});

export const apiRegistry = z
  .strictObject({
    name: z.string(),
    url: z.string(),
    description: z.string().optional(),
    contact: z.string().optional(),
    help: z.string().optional(),
    repository: z.string().optional(),
    access: z.literal('private').optional().describe('Present when every file of the site needs a token (registry.yml access: private).'),
    counts,
    collections: z.string().describe('Relative URL of the collections index.'),
    templates: z
      .strictObject({
        tagPage: z.string().describe('Absolute URL of a tag\'s page, with {collection}, {container} and {tag} to fill in.'),
        manifest: z.string().describe('Absolute URL of a tag\'s shub manifest, with {collection}, {container} and {tag} to fill in.'),
        pull: z.string().describe('shub:// reference that pins a pull to one image, with {collection}, {container}, {tag} and {md5} to fill in.'),
      })
      .describe('URL templates (RFC 6570 level 1; the names are URL-safe as they are) for what would otherwise repeat in every tag.'),
    library: z
      .strictObject({
        imagefile: z.enum(LIBRARY_REDIRECTS).describe('How /v1/imagefile/… reaches the image: a 303 from nginx, Netlify or Cloudflare Pages, a 301 from an S3 website endpoint, or the bytes from the site itself.'),
        image: z.string().describe('Absolute URL of the Library API\'s JSON for a tag or a `sha256.<hex>` pin, with {collection}, {container} and {ref} to fill in.'),
        map: z.string().optional().describe('With imagefile nginx: the identity of the redirect map this build wrote, which nginx answers at /v1/imagefile/.sifhub:map once it has loaded it.'),
      })
      .optional()
      .describe('Present when the site serves library:// pulls (registry.yml\'s `library`).'),
  })
  .describe('api/v1/registry.json: the registry\'s identity and counts.');

export const apiCollectionsIndex = z
  .strictObject({
    collections: z.array(
      z.strictObject({
        name: z.string(),
        summary: z.string().optional(),
        topics: z.array(z.string()),
        containers: z.int(),
        tags: z.int(),
        bytes: z.int(),
        stars: usageCount('👍 reactions on the collection\'s stars issue'),
        downloads: usageCount('Downloads of the collection\'s images'),
        lastChanged: z.string().optional(),
        page: z.string().describe('Absolute URL of the collection\'s page.'),
        api: z.string().describe('Relative URL of the collection\'s JSON file.'),
      }),
    ),
  })
  .describe('api/v1/collections.json: every collection with counts.');

const apiRetraction = z
  .strictObject({
    kind: z.enum(['yanked', 'withdrawn']).describe('yanked: only its exact pin (name:tag@md5) pulls it; withdrawn: nothing serves it.'),
    reason: z.string(),
    date: z.string().optional().describe('When a record first said so; absent while uncommitted.'),
  })
  .optional()
  .describe('Set when the image\'s owners took it back.');

const apiVersion = z.strictObject({
  sha256: z.string(),
  md5: z.string(),
  size: z.int(),
  url: z.string().optional().describe('Where the image is downloaded; absent for a withdrawn image.'),
  retraction: apiRetraction,
  architecture: z.string().optional().describe('Architecture of the image at `url`, when the record names it.'),
  platforms: z
    .array(
      z.strictObject({
        architecture: z.string(),
        sha256: z.string(),
        md5: z.string(),
        size: z.int(),
        url: z.string().optional().describe('Absent for a withdrawn image.'),
        retraction: apiRetraction,
      }),
    )
    .optional()
    .describe('The same version\'s images for other architectures (oras:// serves them as one image index; library:// by the client\'s architecture).'),
  date: z.string().optional().describe('Commit date; absent while uncommitted.'),
  commit: z.string().optional().describe('Git commit that set this image; absent while uncommitted.'),
  author: z.string().optional(),
});

// A tag is its current image (the fields of a version) plus the images it pointed at before.
// Keeping the current image out of `previous` keeps every image once in the file: at 100,000
// tags a repeated image is 25 MB of API.
const apiTag = z.strictObject({
  name: z.string(),
  ...apiVersion.shape,
  architecture: z.string().optional(),
  created: z.string().optional(),
  frozen: z.boolean(),
  firstAdded: z.string().optional(),
  lastChanged: z.string().optional(),
  uncommitted: z.boolean(),
  baseOs: z.string().optional().describe('Operating system the image is built on (os-release, else the definition\'s From:).'),
  downloads: usageCount('Downloads of the images this tag has pointed at'),
  signed: z.boolean().describe('Its current image carries a signature by a key its collection trusts, unchanged since signing.'),
  fingerprints: z.array(z.string()).describe('The fingerprints (or PEM key names) of those keys.'),
  signatures: z
    .array(
      z.strictObject({
        type: z.enum(['pgp', 'pgp-legacy', 'dsse', 'unknown']),
        fingerprint: z.string().optional(),
        status: z.enum(['verified', 'untrusted', 'unknown-key', 'invalid', 'tampered', 'unchecked']).describe('verified: by a key the collection trusts, the image unchanged since; untrusted: by a registry key the collection does not list; unknown-key; invalid: the signature does not hold; tampered: the image changed after signing; unchecked: recorded without its message.'),
        signer: z.string().optional(),
        keyResigned: z.literal(true).optional(),
        problem: z.string().optional(),
        objects: z.array(z.int()).optional(),
      }),
    )
    .optional()
    .describe('Each signature of the current image; absent when it has none, or the registry does not show signatures.'),
  previous: z.array(apiVersion).describe('The images this tag pointed at before the current one, oldest first. Each stays pullable by its md5.'),
});

export const apiCollection = z
  .strictObject({
    name: z.string(),
    summary: z.string().optional(),
    topics: z.array(z.string()),
    owners: z.array(z.string()),
    stars: usageCount('👍 reactions on the collection\'s stars issue'),
    starsIssue: z.string().optional().describe('URL of the issue to star the collection on (add a 👍 reaction).'),
    downloads: usageCount('Downloads of the collection\'s images'),
    page: z.string(),
    containers: z.array(
      z.strictObject({
        name: z.string(),
        summary: z.string().optional(),
        topics: z.array(z.string()).describe('Its own topics, then the base-OS topics of its images.'),
        source: z.string().optional(),
        license: z.string().optional(),
        latest: z.string().optional().describe('The tag `name:latest` resolves to.'),
        bytes: z.int(),
        downloads: usageCount('Downloads of its images'),
        page: z.string(),
        tags: z.array(apiTag),
      }),
    ),
  })
  .describe('api/v1/collections/<name>.json: one collection with its containers, tags and versions.');

export type ApiRegistry = z.infer<typeof apiRegistry>;
export type ApiCollectionsIndex = z.infer<typeof apiCollectionsIndex>;
export type ApiCollection = z.infer<typeof apiCollection>;
