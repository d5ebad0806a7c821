import type { CollectionEntry, ContainerEntry, TopicEntry } from './types.ts';

// The topic index: topics named by collection and container records, plus the automatic
// base-OS topics of the tags (already merged into each container's `topics`). Pure.

export function toTopicIndex(collections: readonly CollectionEntry[]): TopicEntry[] {
  const topics = new Map<string, TopicEntry>();
  const entry = (topic: string): TopicEntry => {
    let found = topics.get(topic);
    if (!found) topics.set(topic, (found = { topic, collections: [], containers: [], baseOs: false }));
    return found;
  };
  for (const collection of collections) {
    for (const topic of collection.record.topics ?? []) entry(topic).collections.push(collection);
    for (const container of collection.containers) {
      for (const topic of container.topics) entry(topic).containers.push(container);
      for (const tag of container.tags) if (tag.baseOs) entry(tag.baseOs).baseOs = true;
    }
  }
  return [...topics.values()].sort((a, b) => (a.topic < b.topic ? -1 : 1));
}

/** Every topic that describes a container: its own, its base OS and its collection's. */
export function topicsOf(collection: CollectionEntry, container: ContainerEntry): string[] {
  return [...new Set([...container.topics, ...(collection.record.topics ?? [])])];
}
