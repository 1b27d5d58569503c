// What the statistics, the dashboard and the monthly report share: the
// dimensions and measures of GET /v1/stats, their labels, the table, and
// a CSV built in the browser (with a BOM, for Excel and WPS).
import { h, table } from '../dom.js';
import { t, heading } from '../i18n.js';
import { fmtSpan } from '../time.js';

export const TIME_DIMS = ['hour', 'day', 'week', 'month'];
export const DIMS = ['day', 'hour', 'week', 'month', 'line', 'caller_type', 'topic', 'risk', 'outcome', 'operator', 'queue', 'call_type'];
export const MEASURES = ['calls', 'duration_total_s', 'duration_mean_s', 'high_risk_share', 'follow_ups', 'wait_median_s', 'wait_p90_s', 'past_sla'];

export function dimValue(ctx, dim, g) {
  const v = g[dim];
  if (v === null || v === undefined) return t('stats.none');
  if (g[`${dim}_name`]) return g[`${dim}_name`];
  if (dim === 'topic') return ctx.name.topic(v);
  if (ctx.name[dim]) return ctx.name[dim](v);
  return String(v);
}

export function measureText(m, v) {
  if (v === null || v === undefined) return '—';
  if (m === 'high_risk_share') return `${(v * 100).toFixed(1)}%`;
  if (m === 'duration_mean_s' || m === 'duration_total_s' || m === 'wait_median_s' || m === 'wait_p90_s') return fmtSpan(v);
  return String(v);
}

export function measureNumber(m, v) {
  if (v === null || v === undefined) return null;
  if (m === 'high_risk_share') return Math.round(v * 1000) / 10;
  if (m === 'duration_mean_s' || m === 'duration_total_s' || m === 'wait_median_s' || m === 'wait_p90_s') return Math.round(v / 6) / 10;
  return v;
}

export function measureUnit(m) { return t(`measure.${m}.unit`); }

// Chart input from the groups: x is the first dimension, a series per
// value of the second.
export function chartData(ctx, by, groups, m) {
  const cats = [];
  const seen = new Set();
  for (const g of groups) { const c = dimValue(ctx, by[0], g); if (!seen.has(c)) { seen.add(c); cats.push(c); } }
  if (by.length === 1) {
    return { categories: cats, series: [{ name: t(`measure.${m}`), data: groups.map((g) => measureNumber(m, g[m])) }], line: TIME_DIMS.includes(by[0]) };
  }
  const names = [];
  const byName = new Map();
  for (const g of groups) {
    const s = dimValue(ctx, by[1], g);
    if (!byName.has(s)) { byName.set(s, new Map()); names.push(s); }
    byName.get(s).set(dimValue(ctx, by[0], g), measureNumber(m, g[m]));
  }
  return { categories: cats, series: names.map((n) => ({ name: n, data: cats.map((c) => byName.get(n).get(c) ?? null) })), line: TIME_DIMS.includes(by[0]) };
}

export function statsTable(ctx, by, groups, measures, caption) {
  const cols = by.map((d) => ({ label: heading(`dim.${d}`), value: (g) => dimValue(ctx, d, g) }))
    .concat(measures.map((m) => ({ label: t(`measure.${m}`), num: true, value: (g) => measureText(m, g[m]) })));
  return h('div', { class: 'table-wrap' }, table(cols, groups, caption));
}

// RFC 4180 with a BOM and CRLF; a cell a spreadsheet would take for a
// formula gets a leading quote, as the server's export does.
export function csv(ctx, by, groups, measures) {
  const cell = (v) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = by.flatMap((d) => [t(`dim.${d}`), `${d}`]).concat(measures.map((m) => t(`measure.${m}`)));
  const lines = [head.map(cell).join(',')];
  for (const g of groups) {
    lines.push(by.flatMap((d) => [dimValue(ctx, d, g), g[d]]).concat(measures.map((m) => g[m])).map(cell).join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type: type || 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
