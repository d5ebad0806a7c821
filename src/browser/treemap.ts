import { layoutTreemap, toTreemapElements, treemapSizeFor, type Cell, type SvgElement, type TreemapCollection, type TreemapSize } from '../model/treemap.ts';

// The sizes page's treemap, enhanced: selecting a collection's title zooms into it (laid out
// again with the build's own layout code), the back button, Escape or the browser's Back zoom
// out, and hovering or focusing a rectangle describes it. On a narrow screen it is laid out
// again at the size it shows (taller than wide), so its text is as large as the page's.
// Without JavaScript the SVG drawn at build time stays, with plain links.

const SVG = 'http://www.w3.org/2000/svg';

export function enhanceTreemap(): void {
  const svg = document.getElementById('treemap');
  const dataElement = document.getElementById('treemap-data');
  const back = document.getElementById('treemap-back');
  const details = document.getElementById('treemap-details');
  if (!(svg instanceof SVGSVGElement) || !dataElement || !(back instanceof HTMLButtonElement) || !details) return;
  const data = JSON.parse(dataElement.textContent ?? '[]') as TreemapCollection[];
  const names = new Set(data.map((c) => c.name));
  let focus: string | undefined;
  const wrap = svg.parentElement!;
  let size: TreemapSize = treemapSizeFor(Infinity);

  const describe = (target: EventTarget | null) => {
    const link = target instanceof Element ? target.closest('a') : null;
    if (!link || !svg.contains(link)) return;
    details.textContent = link.querySelector('title')?.textContent ?? '';
  };

  const markZoomable = () => {
    for (const link of svg.querySelectorAll<SVGAElement>('a.collection')) {
      const title = link.querySelector('title')!;
      if (focus === undefined) {
        link.setAttribute('role', 'button');
        title.textContent = `Zoom into ${link.dataset.label}: ${link.dataset.size}`;
      } else {
        link.removeAttribute('role');
      }
    }
  };

  const redraw = () => {
    draw(svg, layoutTreemap(data, focus, size));
    markZoomable();
  };

  const show = (next: string | undefined) => {
    focus = next !== undefined && names.has(next) ? next : undefined;
    redraw();
    back.hidden = focus === undefined;
    details.textContent = focus === undefined ? 'All collections.' : `Collection ${focus}: select a container to open it.`;
  };

  const zoomTo = (next: string | undefined) => {
    history.pushState(null, '', next === undefined ? location.pathname + location.search : `#${encodeURIComponent(next)}`);
    const previous = focus;
    show(next);
    if (next !== undefined) back.focus();
    else if (previous !== undefined) svg.querySelector<SVGAElement>(`a.collection[data-collection="${CSS.escape(previous)}"]`)?.focus();
  };

  svg.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a.collection') : null;
    if (!(link instanceof SVGAElement) || focus !== undefined) return;
    event.preventDefault();
    zoomTo(link.dataset.collection);
  });
  svg.addEventListener('keydown', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a.collection') : null;
    if (event.key === ' ' && link instanceof SVGAElement && focus === undefined) {
      event.preventDefault();
      zoomTo(link.dataset.collection);
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && focus !== undefined) zoomTo(undefined);
  });
  back.addEventListener('click', () => zoomTo(undefined));
  svg.addEventListener('mouseover', (event) => describe(event.target));
  svg.addEventListener('focusin', (event) => describe(event.target));
  window.addEventListener('popstate', () => show(fromHash()));

  // Laid out again only when the size to lay out changes (a phone turned, a window narrowed).
  const fit = () => {
    const next = treemapSizeFor(wrap.clientWidth);
    if (next.width === size.width && next.height === size.height) return false;
    size = next;
    svg.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
    return true;
  };
  const resized = fit();
  new ResizeObserver(() => {
    if (fit()) redraw();
  }).observe(wrap);

  const initial = fromHash();
  if (initial !== undefined && names.has(initial)) show(initial);
  else if (resized) redraw();
  else markZoomable();
}

function fromHash(): string | undefined {
  return location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : undefined;
}

/** The elements the page drew at build time (model/treemap.ts), built with DOM calls, not HTML strings. */
function draw(svg: SVGSVGElement, cells: readonly Cell[]): void {
  for (const old of svg.querySelectorAll(':scope > a')) old.remove();
  svg.append(...toTreemapElements(cells).map(build));
}

function build(element: SvgElement): SVGElement {
  const node = document.createElementNS(SVG, element.name);
  for (const [name, value] of element.attributes) node.setAttribute(name, value);
  node.append(...element.children.map((child) => (typeof child === 'string' ? child : build(child))));
  return node;
}
