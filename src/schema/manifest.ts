import { z } from 'zod';

/**
 * The document served at api/container/<coll>/<name>:<tag> (and its @<md5> forms). Apptainer and
 * SingularityCE read image, name, tag, version and commit; Singularity 2.x also branch, size_mb
 * and metrics. `commit` is the client's cache key: non-empty, unique per image, file-name safe.
 */
export const shubManifest = z.strictObject({
  image: z.string().describe('Download URL of the SIF file.'),
  name: z.string().describe('Container name.'),
  tag: z.string().describe('Tag name.'),
  branch: z.string().describe('Same as tag (Singularity 2.x reads this).'),
  version: z.string().describe('MD5 of the SIF file: the digest that pins a pull.'),
  commit: z.string().describe('SHA-256 of the SIF file: the client\'s cache key.'),
  size_mb: z.number().describe('Size of the SIF file in MiB (Singularity 2.x).'),
  metrics: z.strictObject({}).describe('Empty; Singularity 2.x expects the key.'),
  collection: z.string().describe('Collection name.'),
});

export type ShubManifest = z.infer<typeof shubManifest>;
