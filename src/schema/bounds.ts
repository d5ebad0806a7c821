// What one record may cost the site and the build. Records come from strangers, and a record is
// up to 1 MiB (records/layout.ts): without these, one record could add tens of thousands of pages
// (a label key each) or minutes of Markdown parsing (deeply nested quotes and emphasis, whose
// cost grows faster than their length). Each bound is far above what a real image or its notes
// use, and the README states them.

/** A record's Markdown body (a collection's or container's description, a tag's notes). */
export const MAX_BODY_BYTES = 32 * 1024;

/** Block quotes inside block quotes (`> > >`), in a body. */
export const MAX_QUOTE_DEPTH = 8;

/** Labels in one record (an image's, or one app's). */
export const MAX_LABELS = 200;

/** Label keys with a page of their own; the rest, carried by the fewest containers, are listed on the Labels page. */
export const MAX_LABEL_PAGES = 2000;
