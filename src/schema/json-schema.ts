import { z } from 'zod';
import { apiCollection, apiCollectionsIndex, apiRegistry } from './api.ts';
import { shubManifest } from './manifest.ts';
import { collectionRecord, containerRecord, tagRecord } from './record.ts';
import { siteConfig } from './site-config.ts';

// JSON Schemas generated from the zod schemas, never written by hand. Record schemas are
// committed under registry/.schema/ for editors and record authors (a test fails on drift);
// API schemas are published with the site under api/v1/schema/.

const toJson = (schema: z.ZodType, id: string) => ({
  $id: id,
  ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
});

export function recordJsonSchemas(): Record<string, object> {
  return {
    'registry.schema.json': toJson(siteConfig, 'registry.schema.json'),
    'collection.schema.json': toJson(collectionRecord, 'collection.schema.json'),
    'container.schema.json': toJson(containerRecord, 'container.schema.json'),
    'tag.schema.json': toJson(tagRecord, 'tag.schema.json'),
  };
}

export function apiJsonSchemas(): Record<string, object> {
  return {
    'manifest.schema.json': toJson(shubManifest, 'manifest.schema.json'),
    'registry.schema.json': toJson(apiRegistry, 'registry.schema.json'),
    'collections.schema.json': toJson(apiCollectionsIndex, 'collections.schema.json'),
    'collection.schema.json': toJson(apiCollection, 'collection.schema.json'),
  };
}

/**
 * Every JSON file sifhub writes has <, > and & escaped (\u003c, …): the same JSON to any parser,
 * and no markup to a browser that a host or a hostile name leads to sniff it as HTML.
 */
const inert = (json: string) => json.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);

/** Files people read (the committed record schemas, the API's schemas). */
export function toJsonText(value: unknown): string {
  return `${inert(JSON.stringify(value, null, 2))}\n`;
}

/** API data and manifests are compact: at 100,000 tags the indentation alone would be 70 MB of site. */
export function toCompactJsonText(value: unknown): string {
  return `${inert(JSON.stringify(value))}\n`;
}
