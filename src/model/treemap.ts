import { hierarchy, treemap, treemapSquarify, type HierarchyRectangularNode } from 'd3-hierarchy';
import { escapeHtml } from '../site/html.ts';

// The sizes treemap's layout: collections → containers, area by bytes. Pure and free of the
// DOM, so the page lays it out at build time (the SVG shows without JavaScript) and the browser
// lays out a zoomed collection with the very same code.

interface TreemapContainer {
  name: string;
  href: string;
  bytes: number;
  size: string;
  tags: number;
}

export interface TreemapCollection {
  name: string;
  href: string;
  bytes: number;
  size: string;
  containers: TreemapContainer[];
}

export interface Cell {
  kind: 'collection' | 'container';
  collection: string;
  /** "base" for a collection, "base/busybox" for a container. */
  label: string;
  /** The accessible name and tooltip: "base/busybox: 4.96 MiB, 5 tags". */
  description: string;
  href: string;
  size: string;
  bytes: number;
  tags: number;
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  /** The lines of text that fit inside the rectangle (possibly none). */
  lines: string[];
}

export const TREEMAP_WIDTH = 1000;
export const TREEMAP_HEIGHT = 600;

/** The drawing's size in the units of its view box (and of its 12-unit text). */
export interface TreemapSize {
  width: number;
  height: number;
}

/**
 * Narrower than this (CSS pixels), the browser lays the treemap out at the size it shows, so its
 * text stays 12 px. A 40rem screen leaves 600 px for it: site.css gives the drawing the same
 * shape from the first paint, so nothing below it moves when it is laid out again.
 */
const WIDE_TREEMAP = 600;

/**
 * The size to lay out in a box `width` CSS pixels wide: the build's 1000 × 600 on a wide screen
 * (shown at nearly its own scale), else the box's own pixels, taller than wide, as a phone scrolls.
 */
export function treemapSizeFor(width: number): TreemapSize {
  if (width >= WIDE_TREEMAP || width <= 0) return { width: TREEMAP_WIDTH, height: TREEMAP_HEIGHT };
  return { width: Math.round(width), height: Math.round(width * 1.4) };
}
const HEADER = 20;
const CHAR_WIDTH = 7.2;
const LINE_HEIGHT = 15;
const MAX_CELLS = 1000;
/** At most this many collections, and containers in them, in a crowded overview. */
const OVERVIEW_COLLECTIONS = 150;
const OVERVIEW_CONTAINERS = 500;
/** Square units (CSS pixels, near enough) under which a cell is left out of a crowded drawing. */
const MIN_AREA = 2;

/** ColorBrewer Set3 lightened for dark text: every collection readable at AA contrast. */
const PALETTE = ['#a6dbd3', '#f5f5b8', '#cdc9e6', '#f9b4ab', '#a9c7df', '#f8c98f', '#c9e69a', '#f5cde3', '#dcdcdc', '#d4a9d5', '#d3ecce', '#fdeea0'];

function collectionFill(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

type Node = { collection?: TreemapCollection; container?: TreemapContainer; children?: Node[]; fill?: string };

/**
 * Lays out every collection (or only `focus`, zoomed to the whole area). Returns the cells in
 * drawing order: each collection's frame, then its containers.
 */
export function layoutTreemap(collections: readonly TreemapCollection[], focus?: string, size: TreemapSize = { width: TREEMAP_WIDTH, height: TREEMAP_HEIGHT }): Cell[] {
  const shown = collections
    .map((collection, index) => ({ collection, fill: collectionFill(index) }))
    .filter(({ collection }) => (focus === undefined || collection.name === focus) && collection.bytes > 0);
  const root = hierarchy<Node>({
    children: shown.map(({ collection, fill }) => ({
      collection,
      fill,
      children: collection.containers.filter((c) => c.bytes > 0).map((container) => ({ container, fill })),
    })),
  })
    .sum((node) => node.container?.bytes ?? 0)
    .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));

  // Neither rounded nor padded between siblings (strokes separate them): containers' areas stay
  // exactly proportional to bytes within a collection. Only a collection's title bar and frame
  // take room, so across collections the proportion is close, not exact.
  const laidOut = treemap<Node>()
    .tile(treemapSquarify)
    .size([size.width, size.height])
    .paddingOuter(3)
    .paddingTop((node) => (node.depth === 1 ? HEADER : 3))
    .paddingInner(0)(root);

  // With more than MAX_CELLS cells, those under MIN_AREA (not even a dot) are left out: at
  // 100,000 tags nearly every container is one, and drawing them made an 18 MB page. Their area
  // still counts (the collection's frame shows it); zooming into the collection draws them.
  // Below MAX_CELLS every cell is drawn, so each container stays reachable from the keyboard.
  const crowded = laidOut.descendants().length - 1 > MAX_CELLS;
  const area = (node: HierarchyRectangularNode<Node>) => (node.x1 - node.x0) * (node.y1 - node.y0);
  // The overview of a large registry draws its OVERVIEW_COLLECTIONS largest collections and, in
  // them, the OVERVIEW_CONTAINERS largest containers: every drawn cell is markup in the page (a
  // 10,000-tag registry's page was 1.2 MB, slow on a phone). The rest show when zoomed into.
  const overview = crowded && focus === undefined;
  const largest = <T extends HierarchyRectangularNode<Node>>(nodes: readonly T[], count: number) =>
    new Set(overview ? [...nodes].sort((a, b) => area(b) - area(a)).slice(0, count) : nodes);
  const collectionsDrawn = largest(laidOut.children ?? [], OVERVIEW_COLLECTIONS);
  const containersDrawn = largest([...collectionsDrawn].flatMap((node) => node.children ?? []), OVERVIEW_CONTAINERS);
  const drawn = (node: HierarchyRectangularNode<Node>) => !crowded || (area(node) >= MIN_AREA && (collectionsDrawn.has(node) || containersDrawn.has(node)));
  const cells: Cell[] = [];
  for (const node of (laidOut.children ?? []).filter(drawn)) {
    const collection = node.data.collection!;
    cells.push(toCell('collection', collection.name, collection.name, collection.href, collection.size, collection.bytes,
      sum(collection.containers.map((c) => c.tags)), node, node.data.fill!, HEADER));
    for (const leaf of (node.children ?? []).filter(drawn)) {
      const container = leaf.data.container!;
      cells.push(toCell('container', collection.name, `${collection.name}/${container.name}`, container.href, container.size,
        container.bytes, container.tags, leaf, node.data.fill!));
    }
  }
  return cells;
}

function toCell(
  kind: Cell['kind'], collection: string, label: string, href: string, size: string, bytes: number, tags: number,
  node: HierarchyRectangularNode<Node>, fill: string, header?: number,
): Cell {
  const width = node.x1 - node.x0;
  const height = node.y1 - node.y0;
  const name = kind === 'collection' ? label : label.slice(collection.length + 1);
  return {
    kind, collection, label, href, size, bytes, tags, fill,
    description: `${label}: ${size}, ${tags} ${tags === 1 ? 'tag' : 'tags'}`,
    x: node.x0, y: node.y0, width, height,
    lines: kind === 'collection' ? headerLine(name, size, width, header ?? height) : fitLines([name, size], width, height),
  };
}

/** "name · size" when it fits, else the name (shortened if need be), else nothing. */
function headerLine(name: string, size: string, width: number, height: number): string[] {
  const full = `${name} · ${size}`;
  return fitLines([full], width, height, false).length > 0 ? [full] : fitLines([name], width, height);
}

/** The leading lines that fit, each shortened with "…" only if at least 4 characters remain. */
function fitLines(lines: readonly string[], width: number, height: number, shorten = true): string[] {
  const room = Math.floor((width - 8) / CHAR_WIDTH);
  const rows = Math.floor((height - 4) / LINE_HEIGHT);
  const fitted: string[] = [];
  for (const line of lines.slice(0, Math.max(0, rows))) {
    if (line.length <= room) fitted.push(line);
    else if (shorten && room >= 4) fitted.push(`${line.slice(0, room - 1)}…`);
    else break;
  }
  return fitted;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** An SVG element as data: the one description both renderers turn into markup. */
export interface SvgElement {
  name: 'a' | 'title' | 'rect' | 'text' | 'tspan';
  attributes: [string, string][];
  children: (SvgElement | string)[];
}

/**
 * The cells as SVG elements: one link per rectangle, with its title, rectangle and the lines
 * that fit. The page serialises them (toSvgMarkup) and the browser builds them with DOM calls
 * when it zooms, so the two always draw the same markup.
 */
export function toTreemapElements(cells: readonly Cell[]): SvgElement[] {
  const round = (n: number) => String(Math.round(n * 100) / 100);
  return cells.map((cell) => ({
    name: 'a',
    attributes: [['class', cell.kind], ['href', cell.href], ['data-collection', cell.collection], ['data-label', cell.label], ['data-size', cell.size], ['data-tags', String(cell.tags)]],
    children: [
      { name: 'title', attributes: [], children: [cell.description] },
      {
        name: 'rect',
        attributes: [['x', round(cell.x)], ['y', round(cell.y)], ['width', round(cell.width)], ['height', round(cell.height)], ['fill', cell.fill], ['data-bytes', String(cell.bytes)]],
        children: [],
      },
      ...(cell.lines.length === 0
        ? []
        : [{
            name: 'text' as const,
            attributes: [['x', round(cell.x + 4)], ['y', round(cell.y + 14)]] as [string, string][],
            children: cell.lines.map((line, i): SvgElement => ({ name: 'tspan', attributes: [['x', round(cell.x + 4)], ['dy', String(i === 0 ? 0 : 15)]], children: [line] })),
          }]),
    ],
  }));
}

/** Elements as markup, every attribute value and text escaped. */
export function toSvgMarkup(elements: readonly (SvgElement | string)[]): string {
  return elements
    .map((element) => {
      if (typeof element === 'string') return escapeHtml(element);
      const attributes = element.attributes.map(([name, value]) => ` ${name}="${escapeHtml(value)}"`).join('');
      return `<${element.name}${attributes}>${toSvgMarkup(element.children)}</${element.name}>`;
    })
    .join('');
}
