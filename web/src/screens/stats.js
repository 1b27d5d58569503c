// 统计: a range and one or two dimensions, as a chart (ECharts, loaded
// with this screen only) and a table, and a CSV of the table.
import { h, fill, clear, field, status } from '../dom.js';
import { t, heading, errorText } from '../i18n.js';
import { get, qs } from '../api.js';
import { today, addDays } from '../time.js';
import { DIMS, MEASURES, TIME_DIMS, chartData, statsTable, csv, download, measureUnit } from './stats_common.js';

export function render(main, ctx) {
  const from = h('input', { type: 'date', value: addDays(today(), -6) });
  const to = h('input', { type: 'date', value: today() });
  const sel = (opts, value, blank) => h('select', null,
    blank ? h('option', { value: '' }, blank) : null,
    opts.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  const by1 = sel(DIMS.map((d) => ({ value: d, label: heading(`dim.${d}`) })), 'day');
  const by2 = sel(DIMS.map((d) => ({ value: d, label: heading(`dim.${d}`) })), '', t('stats.by2.none'));
  const measure = sel(MEASURES.map((m) => ({ value: m, label: t(`measure.${m}`) })), 'calls');
  const form = h('form', { class: 'toolbar' },
    field(t('range.from'), from).wrap, field(t('range.to'), to).wrap,
    field(t('stats.by1'), by1).wrap, field(t('stats.by2'), by2).wrap, field(t('stats.measure'), measure).wrap,
    h('button', { type: 'submit', class: 'primary' }, t('stats.show')));
  const chartEl = h('div', { class: 'chart', role: 'img' });
  const out = h('div');
  const msg = h('div', { 'aria-live': 'polite' });
  const dl = h('button', { type: 'button', hidden: true }, t('stats.csv'));
  main.append(h('h1', { class: 'screen-title' }, t('nav.stats')), form, msg, chartEl, dl, out);
  let data = null;
  let charts = null;

  async function load() {
    msg.replaceChildren();
    const by = [by1.value];
    if (by2.value && by2.value !== by1.value) {
      if (TIME_DIMS.includes(by1.value) && TIME_DIMS.includes(by2.value)) { msg.append(status('error', t('stats.twotime'))); return; }
      by.push(by2.value);
    }
    try {
      const [r, c] = await Promise.all([get(`/v1/stats${qs({ from: from.value, to: to.value, by: by.join(',') })}`), charts || import('./charts.js')]);
      charts = c;
      data = { r, by };
      draw();
    } catch (e) {
      msg.append(status('error', errorText(e)));
    }
  }
  function draw() {
    const { r, by } = data;
    const m = measure.value;
    const cd = chartData(ctx, by, r.groups, m);
    chartEl.setAttribute('aria-label', t('stats.chart.label', { m: t(`measure.${m}`), by: by.map((d) => t(`dim.${d}`)).join(' × ') }));
    charts.draw(chartEl, { ...cd, yName: measureUnit(m) });
    fill(out, 
      r.note ? h('p', { class: 'hint' }, t('stats.topic.note')) : null,
      statsTable(ctx, by, r.groups, MEASURES, t('stats.table.caption', { n: r.totals.calls })));
    dl.hidden = false;
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  measure.addEventListener('change', () => { if (data) draw(); });
  dl.addEventListener('click', () => {
    if (!data) return;
    download(`hotline-stats-${from.value}-${to.value}-${data.by.join('-')}.csv`, csv(ctx, data.by, data.r.groups, MEASURES));
  });
  const onResize = () => { if (charts) charts.resizeAll([chartEl]); };
  window.addEventListener('resize', onResize);
  load();
  return () => { window.removeEventListener('resize', onResize); if (charts) charts.dispose(chartEl); };
}
