import { layoutTreemap, toTreemapElements, treemapSizeFor, type Cell, type SvgElement, type TreemapCollection, type TreemapSize } from '../model/treemap.ts';

// The sizes page's treemap, enhanced: selecting a collection's title zooms into it (laid out
// again with the build's own layout code, from data fetched when first needed: kept out of the
// page, it would double a large registry's page), the back button, Escape or the browser's Back
// zoom out, and hovering or focusing a rectangle describes it. On a narrow screen it is laid out
// again at the size it shows (taller than wide), so its text is as large as the page's.
// Without JavaScript the SVG drawn at build time stays, with plain links.

const SVG = 'http://www.w3.org/2000/svg';

export function enhanceTreemap(): void {
  const svg = document.getElementById('treemap');
  const back = document.getElementById('treemap-back');
  const details = document.getElementById('treemap-details');
  if (!(svg instanceof SVGSVGElement) || !svg.dataset.src || !(back instanceof HTMLButtonElement) || !details) return;
  let loading: Promise<TreemapCollection[]> | undefined;
  const load = () => {
    loading ??= fetch(svg.dataset.src!).then(async (response) => {
      if (!response.ok) throw new Error(`${svg.dataset.src}: HTTP ${response.status}`);
      return (await response.json()) as TreemapCollection[];
    });
    return loading;
  };
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

  const redraw = async () => {
    let data: TreemapCollection[];
    try {
      data = await load();
    } catch (error) {
      loading = undefined;
      details.textContent = 'Zooming is not available: the drawing\'s data could not be loaded.';
      console.warn(error);
      return;
    }
    draw(svg, layoutTreemap(data, focus, size));
    markZoomable();
  };

  // Any collection can be zoomed into by its address (#name), also one too small to draw here.
  const show = async (next: string | undefined) => {
    const names = new Set((await load().catch(() => [])).map((c) => c.name));
    focus = next !== undefined && names.has(next) ? next : undefined;
    await redraw();
    back.hidden = focus === undefined;
    details.textContent = focus === undefined ? 'All collections.' : `Collection ${focus}: select a container to open it.`;
  };

  const zoomTo = async (next: string | undefined) => {
    history.pushState(null, '', next === undefined ? location.pathname + location.search : `#${encodeURIComponent(next)}`);
    const previous = focus;
    await show(next);
    if (next !== undefined) back.focus();
    else if (previous !== undefined) svg.querySelector<SVGAElement>(`a.collection[data-collection="${CSS.escape(previous)}"]`)?.focus();
  };

  svg.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a.collection') : null;
    if (!(link instanceof SVGAElement) || focus !== undefined) return;
    event.preventDefault();
    void zoomTo(link.dataset.collection);
  });
  svg.addEventListener('keydown', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a.collection') : null;
    if (event.key === ' ' && link instanceof SVGAElement && focus === undefined) {
      event.preventDefault();
      void zoomTo(link.dataset.collection);
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && focus !== undefined) void zoomTo(undefined);
  });
  back.addEventListener('click', () => void zoomTo(undefined));
  // Fetched as soon as someone reaches for the drawing, so a zoom rarely waits.
  svg.addEventListener('pointerover', () => void load().catch(() => {}), { once: true });
  svg.addEventListener('mouseover', (event) => describe(event.target));
  svg.addEventListener('focusin', (event) => describe(event.target));
  window.addEventListener('popstate', () => void show(fromHash()));

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
    if (fit()) void redraw();
  }).observe(wrap);

  const initial = fromHash();
  if (initial !== undefined) void show(initial);
  else if (resized) void redraw();
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
