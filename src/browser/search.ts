// The search page: pagefind's browser API behind our own form. Results are built with DOM calls
// and text nodes only: pagefind hands back meta fields as they were indexed (unescaped) and
// excerpts as HTML with <mark>, and both carry text from strangers' records.

import { closest } from '../closest.ts';
import { decodeEntities } from '../site/html.ts';

interface PagefindResultData {
  url: string;
  excerpt: string;
  meta: Record<string, string | undefined>;
  /** The page's text; `locations` index its whitespace-separated words. */
  content: string;
  locations: number[];
}

interface PagefindResult {
  score: number;
  data(): Promise<PagefindResultData>;
}

/** One bundle's search (pagefind's createInstance). */
interface PagefindInstance {
  filters(): Promise<Record<string, Record<string, number>>>;
  search(query: string | null, options?: { filters?: Record<string, string[]> }): Promise<{ results: PagefindResult[] }>;
}

interface PagefindModule {
  createInstance(options: { basePath: string; noWorker?: boolean }): PagefindInstance & { options(options: Record<string, unknown>): Promise<void> };
}

/** Results shown at once; a button shows as many more. */
const SHOWN_RESULTS = 50;
const TYPING_PAUSE_MS = 200;

export function enhanceSearch(): void {
  const form = document.getElementById('search-form');
  const status = document.getElementById('search-status');
  const list = document.getElementById('search-results');
  if (!(form instanceof HTMLFormElement) || !status || !list) return;
  const query = form.elements.namedItem('q') as HTMLInputElement;
  const selects = [...form.querySelectorAll<HTMLSelectElement>('select[data-filter]')];
  const moreButton = document.createElement('button');
  moreButton.type = 'button';
  moreButton.id = 'search-more';
  moreButton.hidden = true;
  list.after(moreButton);

  let shards: Promise<PagefindInstance[]> | undefined;
  let latest = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  // The filters and the first search both ask for the shards: they are loaded once, and tried
  // again on the next search if loading failed.
  const load = (): Promise<PagefindInstance[]> => {
    shards ??= loadShards(form).catch((error: unknown) => {
      shards = undefined;
      throw error;
    });
    return shards;
  };

  const readState = () => {
    const filters: Record<string, string[]> = {};
    for (const select of selects) if (select.value) filters[select.dataset.filter!] = [select.value];
    return { q: query.value.trim(), filters };
  };

  const writeUrl = () => {
    const { q, filters } = readState();
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    for (const [name, [value]] of Object.entries(filters)) params.set(name, value!);
    const search = params.toString();
    history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
  };

  let more: (() => Promise<void>) | undefined;

  const run = async () => {
    const search = ++latest;
    const { q, filters } = readState();
    writeUrl();
    more = undefined;
    moreButton.hidden = true;
    if (!q && Object.keys(filters).length === 0) {
      list.replaceChildren();
      status.textContent = 'Type a word or choose a filter.';
      return;
    }
    status.textContent = 'Searching…';
    try {
      const { results, missing } = await searchShards(await load(), q, filters);
      if (search !== latest) return;
      const count = results.length;
      list.replaceChildren();
      let shown = 0;
      more = async () => {
        const next = await Promise.all(results.slice(shown, shown + SHOWN_RESULTS).map((r) => r.data()));
        if (search !== latest) return;
        list.append(...next.map(toResultItem));
        shown += next.length;
        moreButton.hidden = shown >= count;
        moreButton.textContent = `Show ${Math.min(SHOWN_RESULTS, count - shown)} more`;
        status.textContent = resultStatus(count, shown, missing);
      };
      await more();
      if (missing.length > 0) await suggest(q, missing, search);
    } catch (error) {
      if (search !== latest) return;
      status.textContent = 'Search is not available: its index could not be loaded.';
      console.warn(error);
    }
  };

  let names: Promise<string[]> | undefined;
  // "Did you mean alpine?" after a word nothing has, as a link that searches for it.
  const suggest = async (q: string, missing: readonly string[], search: number) => {
    names ??= fetch(form.dataset.names!).then((response) => (response.ok ? (response.json() as Promise<string[]>) : []));
    const corrected = suggestQuery(q, missing, await names.catch(() => []));
    if (!corrected || search !== latest) return;
    const link = document.createElement('a');
    link.id = 'search-suggestion';
    const params = new URLSearchParams(location.search);
    params.set('q', corrected);
    link.href = `?${params}`;
    link.textContent = corrected;
    link.addEventListener('click', (event) => {
      event.preventDefault();
      query.value = corrected;
      clearTimeout(timer);
      void run();
    });
    status.append(' Did you mean ', link, '?');
  };

  moreButton.addEventListener('click', () => {
    const first = list.children.length;
    more?.()
      .then(() => (list.children[first]?.querySelector('a') as HTMLElement | null)?.focus())
      .catch((error: unknown) => {
        status.textContent = 'More results could not be loaded; try again.';
        console.warn(error);
      });
  });

  const fillFilters = async () => {
    const available = await mergeFilters(await load());
    for (const select of selects) {
      const wanted = select.value || new URLSearchParams(location.search).get(select.dataset.filter!) || '';
      const values = Object.entries(available[select.dataset.filter!] ?? {}).sort(([a], [b]) => a.localeCompare(b));
      select.replaceChildren(new Option('Any', ''), ...values.map(([value, count]) => new Option(`${shorten(value, 48)} (${count})`, value)));
      select.value = values.some(([value]) => value === wanted) ? wanted : '';
      // A filter no container has a value for (no image is signed) is left out.
      select.closest<HTMLElement>('.field')!.hidden = values.length === 0;
    }
  };

  // A search asked for now (Enter, a filter) supersedes the one still waiting for typing to pause:
  // left to fire, it would search the same again and blank the list while it does.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    void run();
  });
  form.addEventListener('reset', () => setTimeout(() => void run()));
  query.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), TYPING_PAUSE_MS);
  });
  for (const select of selects)
    select.addEventListener('change', () => {
      clearTimeout(timer);
      void run();
    });

  const params = new URLSearchParams(location.search);
  query.value = params.get('q') ?? '';
  for (const select of selects) {
    const value = params.get(select.dataset.filter!);
    if (value) select.append(new Option(value, value, true, true));
  }
  fillFilters()
    .catch((error: unknown) => {
      status.textContent = 'Search is not available: its index could not be loaded.';
      console.warn(error);
    })
    .then(() => run());
}

/**
 * A large registry's index comes in shards, one per group of collections. Each is searched by its
 * own copy of pagefind's script: instances of one copy share its WebAssembly memory and corrupt
 * each other's ("memory access out of bounds"). Scripts are fetched at run time from the built
 * site, never bundled. Each copy runs its searches in its own worker (pagefind-worker.js, from
 * the site, as the CSP allows): on the page, a 10,000-tag registry's shards blocked a phone's
 * main thread for most of a second (Lighthouse: total blocking time 940 ms, 120 ms in workers).
 */
async function loadShards(form: HTMLFormElement): Promise<PagefindInstance[]> {
  const paths = [form.dataset.bundle ?? '/pagefind/', ...(form.dataset.shards ?? '').split(' ').filter(Boolean)];
  return Promise.all(
    paths.map(async (basePath) => {
      const pagefind = (await import(/* @vite-ignore */ `${basePath}pagefind.js`)) as PagefindModule;
      const instance = pagefind.createInstance({ basePath });
      // Result URLs are written with the path prefix already; pagefind must not add one.
      await instance.options({ baseUrl: '/', excerptLength: 24 });
      return instance;
    }),
  );
}

/** What the status line says once `shown` of `count` results are on the page. */
export function resultStatus(count: number, shown: number, missing: readonly string[]): string {
  if (missing.length > 0) return `No container has the word${missing.length > 1 ? 's' : ''} ${missing.map((w) => `“${w}”`).join(' or ')}.`;
  if (count === 0) return 'No container matches.';
  const matches = `${count} ${count === 1 ? 'container matches' : 'containers match'}`;
  return shown < count ? `${matches}; ${shown} are shown.` : `${matches}.`;
}

/**
 * The query with each word nothing has replaced by the closest name (`alpne` → `alpine`), or
 * undefined when no word has one near enough to be a likely typo.
 */
export function suggestQuery(query: string, missing: readonly string[], names: readonly string[]): string | undefined {
  const replacements = new Map(missing.flatMap((word) => {
    const name = closest(word, names);
    return name && name.toLowerCase() !== word.toLowerCase() ? [[word, name] as const] : [];
  }));
  if (replacements.size === 0) return undefined;
  return query
    .trim()
    .split(/\s+/)
    .map((word) => replacements.get(word.replaceAll('"', '')) ?? word)
    .join(' ');
}

/**
 * Searches every shard and merges the answers by score, as one index would answer. Every word
 * must be in a record: pagefind answers a word no record has with a shorter word that is (the
 * `alpin` of `alpine` for `alpinx`, a stray `x` for `xylophone`), and drops a missing word from
 * an AND; here such a word finds nothing, and `missing` names it.
 */
async function searchShards(shards: readonly PagefindInstance[], query: string, filters: Record<string, string[]>): Promise<{ results: PagefindResult[]; missing: string[] }> {
  const phrase = /^\s*".+"\s*$/.test(query);
  const words = phrase ? [] : query.split(/\s+/).map((word) => word.replaceAll('"', '')).filter((word) => normalize(word) !== '');
  const answers = await Promise.all(shards.map(async (shard) => (await shard.search(query || null, { filters })).results));
  // Which shards hold each word: first those that answered, whose answers it keeps or drops; the
  // others only for a word none of those holds, to tell a word no record has from one whose
  // records the filters leave out.
  const has = shards.map(() => words.map(() => false));
  const check = (shard: number, word: number) => holds(shards[shard]!, words[word]!).then((held) => void (has[shard]![word] = held));
  const answered = shards.map((_, shard) => shard).filter((shard) => answers[shard]!.length > 0);
  await Promise.all(answered.flatMap((shard) => words.map((_, word) => check(shard, word))));
  const unresolved = words.map((_, word) => word).filter((word) => !answered.some((shard) => has[shard]![word]));
  const silent = shards.map((_, shard) => shard).filter((shard) => answers[shard]!.length === 0);
  await Promise.all(silent.flatMap((shard) => unresolved.map((word) => check(shard, word))));
  const missing = words.filter((_, word) => !has.some((row) => row[word]));
  if (missing.length > 0) return { results: [], missing };
  const results = answered
    .filter((shard) => shardAnswers(has, shard))
    .flatMap((shard) => answers[shard]!)
    .sort((a, b) => b.score - a.score);
  return { results, missing };
}

/**
 * Whether a shard's answer is one a single index, holding every word, would give: a shard that
 * lacks one of the words has no container with all of them, and pagefind would answer it with
 * near matches or without that word. `has[shard][word]`: the shard holds the word (holds()).
 */
export function shardAnswers(has: readonly (readonly boolean[])[], shard: number): boolean {
  return has[shard]!.every(Boolean);
}

/**
 * Whether a shard has `word` itself (a quoted search: exact, or the same stem) or a word that
 * begins with it (`alp` for alpine, as one types). pagefind's unquoted search also answers with
 * a shorter word that begins the query: the first result's matched words tell which it was.
 */
async function holds(shard: PagefindInstance, word: string): Promise<boolean> {
  if ((await shard.search(`"${word}"`)).results.length > 0) return true;
  const first = (await shard.search(word)).results[0];
  if (!first) return false;
  const data = await first.data();
  // A match in a meta field alone has no location in the text to tell by.
  if (data.locations.length === 0) return true;
  const words = data.content.split(/[\r\n\s]+/g);
  return data.locations.some((at) => beginsWith(words[at] ?? '', word));
}

/** Whether a word of a page begins with the query word from the start of one of its parts (e2e/alpine-apps: e2e, alpine, apps). */
export function beginsWith(pageWord: string, queryWord: string): boolean {
  const wanted = normalize(queryWord);
  const parts = pageWord.split(/[^\p{L}\p{N}]+/u).map(normalize);
  return parts.some((_, i) => parts.slice(i).join('').startsWith(wanted));
}

/** Lower case, without accents or punctuation: how pagefind compares words. */
function normalize(word: string): string {
  return word.normalize('NFD').replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();
}

/** Filter values with their counts over all shards. */
async function mergeFilters(shards: readonly PagefindInstance[]): Promise<Record<string, Record<string, number>>> {
  // Null-prototype maps: a label value "constructor" or "__proto__" is a value like any other.
  const merged: Record<string, Record<string, number>> = Object.create(null);
  for (const available of await Promise.all(shards.map((shard) => shard.filters()))) {
    for (const [filter, values] of Object.entries(available)) {
      const counts = (merged[filter] ??= Object.create(null) as Record<string, number>);
      for (const [value, count] of Object.entries(values)) counts[value] = (counts[value] ?? 0) + count;
    }
  }
  return merged;
}

function toResultItem(data: PagefindResultData): HTMLLIElement {
  const item = document.createElement('li');
  const heading = document.createElement('h2');
  const link = document.createElement('a');
  link.href = data.url;
  link.textContent = data.meta.title ?? data.url;
  heading.append(link);
  item.append(heading);
  // "latest → 1.33.1" says where an untagged pull goes; a tag named latest needs no saying.
  const latest = data.meta.latest && data.meta.latest !== 'latest' ? `latest → ${data.meta.latest}` : '';
  const facts = [data.meta.tags ?? '', latest, data.meta.size ?? ''].filter(Boolean);
  if (facts.length > 0) item.append(paragraph('meta', facts.join(' · ')));
  // "1 yanked · 2 withdrawn": tags a pull by name no longer reaches.
  for (const retracted of (data.meta.retracted ?? '').split(' · ').filter(Boolean)) {
    const badge = document.createElement('span');
    badge.className = 'badge warn';
    badge.textContent = retracted;
    heading.append(' ', badge);
  }
  if (data.meta.summary) item.append(paragraph('', data.meta.summary));
  const excerpt = paragraph('excerpt meta', '');
  excerpt.append(...toExcerptNodes(data.excerpt));
  item.append(excerpt);
  return item;
}

function paragraph(className: string, text: string): HTMLParagraphElement {
  const p = document.createElement('p');
  if (className) p.className = className;
  p.textContent = text;
  return p;
}

/** pagefind's excerpt is escaped text with <mark> around hits: rebuild it as text and <mark> nodes. */
function toExcerptNodes(excerpt: string): Node[] {
  const nodes: Node[] = [];
  let marked = false;
  for (const part of excerpt.split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part !== '') {
      const text = document.createTextNode(decodeEntities(part));
      if (marked) {
        const mark = document.createElement('mark');
        mark.append(text);
        nodes.push(mark);
      } else nodes.push(text);
    }
  }
  return nodes;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
