// The filters the search page offers beside its words, and the index's filter names: one list
// for the page (model) and the index (pipeline/to-search-records.ts). Pure.

export const SEARCH_FILTERS = {
  collection: 'Collection',
  topic: 'Topic',
  label: 'Label',
  architecture: 'Architecture',
  os: 'Base OS',
  signed: 'Signed by',
} as const;

export type SearchFilter = keyof typeof SEARCH_FILTERS;
