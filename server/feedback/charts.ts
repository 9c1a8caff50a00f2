import { SATISFACTION_LABELS } from './present';

/**
 * Small server-rendered SVG charts for the dashboard: no client code, no framework.
 * Each is an image with a title and a description (role="img", aria-labelledby); the page
 * puts the same numbers in a table next to it. Colours come from attributes, not inline
 * styles, so the CSP (style-src 'self') does not interfere.
 */

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

let seq = 0;
const nextId = (prefix: string) => `${prefix}-${(++seq).toString(36)}`;

/** Vertical bars: how many ratings of each score 1..5. */
export function satisfactionChart(distribution: number[], title = 'Satisfaction ratings by score'): string {
  const id = nextId('chart-sat');
  const width = 360;
  const height = 180;
  const top = 20;
  const bottom = 30;
  const plot = height - top - bottom;
  const max = Math.max(1, ...distribution);
  const slot = width / 5;
  const bar = slot * 0.6;
  const total = distribution.reduce((a, b) => a + b, 0);
  const desc = distribution.map((n, i) => `${i + 1} (${SATISFACTION_LABELS[i]}): ${n}`).join('; ');
  const bars = distribution
    .map((n, i) => {
      const h = Math.round((n / max) * plot);
      const x = Math.round(i * slot + (slot - bar) / 2);
      const y = top + plot - h;
      return (
        `<rect class="chart-bar chart-bar-${i + 1}" x="${x}" y="${y}" width="${Math.round(bar)}" height="${h}" fill="#2b6cb0"></rect>` +
        `<text x="${Math.round(i * slot + slot / 2)}" y="${y - 4}" text-anchor="middle" font-size="12">${n}</text>` +
        `<text x="${Math.round(i * slot + slot / 2)}" y="${height - 10}" text-anchor="middle" font-size="12">${i + 1}</text>`
      );
    })
    .join('');
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-t ${id}-d">` +
    `<title id="${id}-t">${esc(title)}</title>` +
    `<desc id="${id}-d">${esc(total ? desc : 'No ratings in this period.')}</desc>` +
    `<line x1="0" y1="${top + plot}" x2="${width}" y2="${top + plot}" stroke="#8a8f98"></line>` +
    bars +
    `</svg>`
  );
}

/** Horizontal bars: helpful rate (0-100%) per person or product; rows without votes say so. */
export function helpfulRateChart(
  rows: Array<{ label: string; rate: number | null; votes: number }>,
  title = 'Helpful rate by moderator',
): string {
  const id = nextId('chart-rate');
  const labelW = 150;
  const barW = 220;
  const rowH = 24;
  const width = labelW + barW + 60;
  const height = Math.max(1, rows.length) * rowH + 10;
  const fmt = (r: number | null) => (r === null ? 'no votes' : `${Math.round(r * 1000) / 10}%`);
  const desc = rows.length ? rows.map((r) => `${r.label}: ${fmt(r.rate)} of ${r.votes} votes`).join('; ') : 'No data.';
  const body = rows
    .map((r, i) => {
      const y = 5 + i * rowH;
      const w = r.rate === null ? 0 : Math.round(r.rate * barW);
      const label = r.label.length > 22 ? `${r.label.slice(0, 21)}…` : r.label;
      return (
        `<text x="${labelW - 6}" y="${y + 16}" text-anchor="end" font-size="12">${esc(label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${barW}" height="${rowH - 8}" fill="#e1ecf8"></rect>` +
        `<rect class="chart-bar" x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" fill="#2f855a"></rect>` +
        `<text x="${labelW + barW + 6}" y="${y + 16}" font-size="12">${fmt(r.rate)}</text>`
      );
    })
    .join('');
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-t ${id}-d">` +
    `<title id="${id}-t">${esc(title)}</title>` +
    `<desc id="${id}-d">${esc(desc)}</desc>` +
    body +
    `</svg>`
  );
}
