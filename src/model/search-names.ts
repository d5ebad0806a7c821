import type { Site } from './types.ts';

// The words the search page offers when a search finds nothing ("did you mean alpine?"): the
// names people search for, whole and in parts (`alpine-apps`: alpine, apps), and the topics.
// Fetched by the page only when a word finds nothing. Pure.

export function toSearchNames(site: Site): string[] {
  const names = new Set<string>();
  const add = (name: string) => {
    names.add(name);
    for (const part of name.split(/[-_.]+/)) if (part.length >= 3) names.add(part);
  };
  for (const collection of site.collections) {
    add(collection.name);
    for (const container of collection.containers) add(container.name);
  }
  for (const topic of site.topics) add(topic.topic);
  return [...names].sort();
}
