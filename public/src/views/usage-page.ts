import { api } from '../api';
import { h, pageHeading, svg, put } from '../dom';
import { PALETTE, tickStep, usageTable, type UsageTable } from '../usage-chart';

const WIDTH = 720;
const HEIGHT = 320;
const PAD = { left: 48, right: 12, top: 12, bottom: 56 };

function chart(t: UsageTable): SVGElement {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const step = tickStep(t.max);
  const top = Math.max(step, Math.ceil(t.max / step) * step);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const band = plotW / t.months.length;
  const barW = Math.max(4, Math.min(48, band * 0.7));
  const parts: SVGElement[] = [];
  for (let v = 0; v <= top; v += step) {
    parts.push(
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: 'grid' }),
      svg('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, String(v)),
    );
  }
  t.months.forEach((month, i) => {
    const x = PAD.left + band * i + (band - barW) / 2;
    let base = 0;
    t.services.forEach((service, s) => {
      const count = t.counts[i][s];
      if (!count) return;
      parts.push(
        svg(
          'rect',
          {
            x,
            y: y(base + count),
            width: barW,
            height: Math.max(1, y(base) - y(base + count)),
            fill: PALETTE[s % PALETTE.length],
            class: 'bar',
            'data-month': month,
            'data-service': service,
          },
          svg('title', {}, `${month} · ${service}: ${count} job${count === 1 ? '' : 's'}`),
        ),
      );
      base += count;
    });
    parts.push(
      svg(
        'text',
        {
          x: x + barW / 2,
          y: HEIGHT - PAD.bottom + 16,
          'text-anchor': 'end',
          transform: `rotate(-40 ${x + barW / 2} ${HEIGHT - PAD.bottom + 16})`,
          class: 'tick',
        },
        month,
      ),
    );
  });
  parts.push(
    svg('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotH, class: 'axis' }),
    svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0), class: 'axis' }),
  );
  return svg(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      class: 'chart',
      role: 'img',
      'aria-labelledby': 'usage-chart-title',
    },
    svg('title', { id: 'usage-chart-title' }, 'Jobs per month, stacked by service'),
    parts,
  );
}

function legend(t: UsageTable): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Services' },
    t.services.map((s, i) =>
      h(
        'li',
        {},
        svg(
          'svg',
          { viewBox: '0 0 10 10', class: 'swatch', 'aria-hidden': 'true' },
          svg('rect', { width: 10, height: 10, fill: PALETTE[i % PALETTE.length] }),
        ),
        ` ${s}`,
      ),
    ),
  );
}

function table(t: UsageTable): HTMLElement {
  return h(
    'table',
    { class: 'usage-table' },
    h('caption', {}, 'Jobs per month and service'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Month'),
        t.services.map((s) => h('th', { scope: 'col' }, s)),
        h('th', { scope: 'col' }, 'Total'),
      ),
    ),
    h(
      'tbody',
      {},
      t.months.map((m, i) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, m),
          t.counts[i].map((c) => h('td', {}, String(c))),
          h('td', {}, String(t.counts[i].reduce((a, b) => a + b, 0))),
        ),
      ),
    ),
  );
}

export async function renderUsage(main: HTMLElement): Promise<void> {
  const rows = await api.stats();
  const t = usageTable(rows);
  put(
    main,
    pageHeading('Usage'),
    h(
      'p',
      { class: 'lead' },
      'Jobs submitted per month for each service. Programs can use the same data, and everything else the portal does, through the ',
      h('a', { href: 'api/reference' }, 'API reference'),
      '.',
    ),
  );
  if (!t.months.length) {
    put(main, h('p', {}, 'No jobs have been submitted yet.'));
    return;
  }
  put(main, h('figure', { class: 'chart-figure' }, chart(t), legend(t)), table(t));
}
