// The search page: pagefind's browser API behind our own form. Results are built with DOM calls
// and text nodes only: pagefind hands back meta fields as they were indexed (unescaped) and
// excerpts as HTML with <mark>, and both carry text from strangers' records.

interface PagefindResultData {
  url: string;
  excerpt: string;
  meta: Record<string, string | undefined>;
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

const SHOWN_RESULTS = 50;
const TYPING_PAUSE_MS = 200;

export function enhanceSearch(): void {
  const form = document.getElementById('search-form');
  const status = document.getElementById('search-status');
  const list = document.getElementById('search-results');
  if (!(form instanceof HTMLFormElement) || !status || !list) return;
  const query = form.elements.namedItem('q') as HTMLInputElement;
  const selects = [...form.querySelectorAll<HTMLSelectElement>('select[data-filter]')];

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

  const run = async () => {
    const run = ++latest;
    const { q, filters } = readState();
    writeUrl();
    if (!q && Object.keys(filters).length === 0) {
      list.replaceChildren();
      status.textContent = 'Type a word or choose a filter.';
      return;
    }
    status.textContent = 'Searching…';
    try {
      const results = await searchShards(await load(), q, filters);
      const data = await Promise.all(results.slice(0, SHOWN_RESULTS).map((r) => r.data()));
      if (run !== latest) return;
      list.replaceChildren(...data.map(toResultItem));
      const count = results.length;
      status.textContent = count === 0 ? 'No container matches.' : `${count} ${count === 1 ? 'container matches' : 'containers match'}${count > SHOWN_RESULTS ? `; the first ${SHOWN_RESULTS} are shown` : ''}.`;
    } catch (error) {
      if (run !== latest) return;
      status.textContent = 'Search is not available: its index could not be loaded.';
      console.warn(error);
    }
  };

  const fillFilters = async () => {
    const available = await mergeFilters(await load());
    for (const select of selects) {
      const wanted = select.value || new URLSearchParams(location.search).get(select.dataset.filter!) || '';
      const values = Object.entries(available[select.dataset.filter!] ?? {}).sort(([a], [b]) => a.localeCompare(b));
      select.replaceChildren(new Option('Any', ''), ...values.map(([value, count]) => new Option(`${shorten(value, 48)} (${count})`, value)));
      select.value = values.some(([value]) => value === wanted) ? wanted : '';
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  form.addEventListener('reset', () => setTimeout(() => void run()));
  query.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), TYPING_PAUSE_MS);
  });
  for (const select of selects) select.addEventListener('change', () => void run());

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
 * site, never bundled. Searches run on the page (noWorker): a worker per shard would cost more
 * than the searches.
 */
async function loadShards(form: HTMLFormElement): Promise<PagefindInstance[]> {
  const paths = [form.dataset.bundle ?? '/pagefind/', ...(form.dataset.shards ?? '').split(' ').filter(Boolean)];
  return Promise.all(
    paths.map(async (basePath) => {
      const pagefind = (await import(/* @vite-ignore */ `${basePath}pagefind.js`)) as PagefindModule;
      const instance = pagefind.createInstance({ basePath, noWorker: true });
      // Result URLs are written with the path prefix already; pagefind must not add one.
      await instance.options({ baseUrl: '/', excerptLength: 24 });
      return instance;
    }),
  );
}

/** Searches every shard and merges the answers by score, as one index would answer. */
async function searchShards(shards: readonly PagefindInstance[], query: string, filters: Record<string, string[]>): Promise<PagefindResult[]> {
  const words = query.split(/\s+/).map((word) => word.replaceAll('"', '')).filter(Boolean);
  const phrase = /^\s*".+"\s*$/.test(query);
  const checkWords = shards.length > 1 && words.length > 0 && !phrase;
  const answers = await Promise.all(
    shards.map(async (shard) => ({
      results: (await shard.search(query || null, { filters })).results,
      // A quoted one-word search answers only from the word itself, never from near matches.
      has: checkWords ? await Promise.all(words.map(async (word) => (await shard.search(`"${word}"`)).results.length > 0)) : [],
    })),
  );
  const has = answers.map((answer) => answer.has);
  return answers
    .filter((_, shard) => shardAnswers(has, shard))
    .flatMap((answer) => answer.results)
    .sort((a, b) => b.score - a.score);
}

/**
 * Whether a shard's answer is one a single index would give. pagefind answers a word missing from
 * an index with near matches (`awesome` finds `awful`) and drops a missing word from an AND,
 * so a shard that lacks a word some other shard has would add results a single index never shows.
 * `has[shard][word]`: the shard holds the word itself.
 */
export function shardAnswers(has: readonly (readonly boolean[])[], shard: number): boolean {
  const words = has[0]?.length ?? 0;
  for (let word = 0; word < words; word++) {
    if (!has[shard]![word] && has.some((row) => row[word])) return false;
  }
  return true;
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
  const heading = document.createElement('h3');
  const link = document.createElement('a');
  link.href = data.url;
  link.textContent = data.meta.title ?? data.url;
  heading.append(link);
  item.append(heading);
  // "latest → 1.33.1" says where an untagged pull goes; a tag named latest needs no saying.
  const latest = data.meta.latest && data.meta.latest !== 'latest' ? `latest → ${data.meta.latest}` : '';
  const facts = [data.meta.tags ?? '', latest, data.meta.size ?? ''].filter(Boolean);
  if (facts.length > 0) item.append(paragraph('meta', facts.join(' · ')));
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

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (entity) => ENTITIES[entity]!);
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
