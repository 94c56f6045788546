import { svg } from './dom.js';
import { perMinute } from './activations.js';

// Throughput (bars: activations started per minute) and latency (line: median duration per
// minute) of the last hour, drawn as inline SVG from the activations the page holds.

const W = 1200;
const H = 220;
const PAD = { left: 44, right: 56, top: 16, bottom: 22 };

export function drawChart(container, activations, now) {
  const buckets = perMinute(activations, now);
  const maxCount = Math.max(1, ...buckets.map((b) => b.count));
  const maxP50 = Math.max(1, ...buckets.map((b) => b.p50 ?? 0));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / buckets.length;
  const y = (value, max) => PAD.top + plotH - (value / max) * plotH;

  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'activations per minute and median duration, last hour' });
  root.append(svg('line', { class: 'axis', x1: PAD.left, y1: PAD.top + plotH, x2: PAD.left + plotW, y2: PAD.top + plotH }));
  buckets.forEach((b, i) => {
    if (b.count === 0) return;
    const top = y(b.count, maxCount);
    const bar = svg('rect', { class: 'bar', x: PAD.left + i * slot + 1, y: top, width: Math.max(1, slot - 2), height: PAD.top + plotH - top });
    bar.append(svg('title', {}, `${new Date(b.at).toLocaleTimeString()}: ${b.count} started, p50 ${b.p50 ?? '-'} ms`));
    root.append(bar);
  });
  const points = buckets.flatMap((b, i) => (b.p50 === undefined ? [] : [`${(PAD.left + (i + 0.5) * slot).toFixed(1)},${y(b.p50, maxP50).toFixed(1)}`]));
  if (points.length > 0) root.append(svg('polyline', { class: 'line', points: points.join(' ') }));
  for (const point of points) {
    const [cx, cy] = point.split(',');
    root.append(svg('circle', { class: 'dot', cx, cy, r: 3 }));
  }
  root.append(svg('text', { class: 'legend-count', x: 4, y: PAD.top + 4 }, `${maxCount}/min`));
  root.append(svg('text', { class: 'legend-p50', x: W - PAD.right + 4, y: PAD.top + 4 }, `${maxP50} ms`));
  root.append(svg('text', { x: PAD.left, y: H - 6 }, '60 min ago'));
  root.append(svg('text', { x: PAD.left + plotW, y: H - 6, 'text-anchor': 'end' }, 'now'));
  root.append(svg('text', { x: PAD.left + plotW / 2, y: H - 6, 'text-anchor': 'middle' }, 'bars: started per minute, line: p50 duration'));
  container.replaceChildren(root);
}
