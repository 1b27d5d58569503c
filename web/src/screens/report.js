// 月报: the month on one page that prints to A4 (the print style hides
// the navigation and starts each section on a new page): the totals, the
// month day by day, and the calls by line, caller, topic, risk, outcome
// and queue, each as a chart and a table; then the follow-up plans' steps
// (by queue and by counselor) and the crisis records.
import { h, fill, clear, field, status, table } from '../dom.js';
import { t, heading, errorText } from '../i18n.js';
import { get, qs } from '../api.js';
import { today, addDays, fmtDateTime, fmtSpan } from '../time.js';
import { chartData, statsTable, measureUnit } from './stats_common.js';

const SECTIONS = [
  { by: 'day', measures: ['calls', 'duration_mean_s', 'high_risk_share', 'follow_ups'] },
  { by: 'line', measures: ['calls', 'duration_mean_s', 'high_risk_share'] },
  { by: 'caller_type', measures: ['calls', 'high_risk_share'] },
  { by: 'topic', measures: ['calls', 'high_risk_share'] },
  { by: 'risk', measures: ['calls', 'follow_ups'] },
  { by: 'outcome', measures: ['calls'] },
  { by: 'queue', measures: ['calls', 'follow_ups', 'wait_median_s', 'wait_p90_s', 'past_sla'] },
];

const FOLLOWUP = ['steps_due', 'done_on_time', 'done_late', 'escalated', 'ended_early', 'open', 'attempts_per_reached', 'reached_share'];

function followupText(m, v) {
  if (v === null || v === undefined) return '—';
  if (m === 'reached_share') return `${(v * 100).toFixed(1)}%`;
  if (m === 'attempts_per_reached') return v.toFixed(2);
  return String(v);
}

// The follow-up steps of f grouped by dim (queue, or operator: the
// counselor), with the totals last.
function followupTable(ctx, f, dim) {
  const rows = (f.groups || []).concat([{ ...f.totals, [dim]: undefined, all: true }]);
  return h('div', { class: 'table-wrap' }, table([
    { label: heading(dim === 'queue' ? 'dim.queue' : 'dim.counselor'), value: (g) => (g.all ? t('stats.total') : g[dim] === null ? t('stats.none') : dim === 'queue' ? ctx.name.queue(g[dim]) : g[dim]) },
  ].concat(FOLLOWUP.map((m) => ({ label: t(`measure.${m}`), num: true, value: (g) => followupText(m, g[m]) }))), rows));
}

// The crisis records' totals: each measure's codes (in the schema's
// order) and counts.
function crisisTable(ctx, c) {
  const sc = ctx.schema.crisis || {};
  const band = (o) => (sc.intensity_bands || Object.keys(o || {})).concat(['none'])
    .map((k) => `${k === 'none' ? t('crisis.band.none') : k}${t('sep.item')}${(o || {})[k] ?? 0}`).join(t('sep.comma'));
  const codes = (o, p, order) => (order || Object.keys(o || {})).map((k) => `${t(`${p}.${k}`)}${t('sep.item')}${(o || {})[k] ?? 0}`).join(t('sep.comma'));
  const rows = [
    [t('crisis.calls'), String(c.calls ?? 0)],
    [t('field.ideation_intensity'), band(c.ideation_intensity)],
    [t('field.hopelessness'), band(c.hopelessness)],
    [t('field.plan_timeframe'), codes(c.plan_timeframe, 'timeframe', sc.plan_timeframes)],
    [t('crisis.emergencies'), String(c.emergencies ?? 0)],
    [t('crisis.agency'), codes(c.emergency_agency, 'agency', sc.emergency_agencies)],
    [t('crisis.outcome'), codes(c.emergency_outcome, 'outcome.emergency', sc.emergency_outcomes)],
  ];
  return h('div', { class: 'table-wrap' }, table([
    { label: t('report.crisis.item'), value: (r) => r[0] }, { label: t('report.crisis.count'), value: (r) => r[1] }], rows));
}

function monthRange(m) {
  const [y, mo] = m.split('-').map(Number);
  const next = mo === 12 ? `${y + 1}-01-01` : `${y}-${String(mo + 1).padStart(2, '0')}-01`;
  return { from: `${m}-01`, to: addDays(next, -1) };
}

export function render(main, ctx) {
  const month = h('input', { type: 'month', value: today().slice(0, 7) });
  const form = h('form', { class: 'toolbar' }, field(t('report.month'), month).wrap,
    h('button', { type: 'submit', class: 'primary' }, t('report.show')),
    h('button', { type: 'button', onclick: () => window.print() }, t('report.print')));
  const out = h('div', { class: 'report' });
  main.append(h('h1', { class: 'screen-title no-print' }, t('nav.report')), form, out);
  const chartEls = [];
  let charts = null;

  async function load() {
    if (!/^\d{4}-\d{2}$/.test(month.value)) return;
    const { from, to } = monthRange(month.value);
    fill(out, h('p', { class: 'loading' }, t('loading')));
    try {
      const [results, c] = await Promise.all([
        Promise.all(SECTIONS.concat([{ by: 'operator' }]).map((s) => get(`/v1/stats${qs({ from, to, by: s.by })}`))),
        charts || import('./charts.js'),
      ]);
      charts = c;
      chartEls.forEach((el) => charts.dispose(el));
      chartEls.length = 0;
      const [y, m] = month.value.split('-');
      const tot = results[0].totals;
      fill(out, 
        h('section', { class: 'report-section first' },
          h('h1', null, t('report.title', { y, m: Number(m) })),
          h('p', null, t('report.range', { from, to, zone: results[0].timezone || '' })),
          h('p', { class: 'hint' }, t('report.generated', { at: fmtDateTime(new Date().toISOString()), by: ctx.session.name })),
          h('div', { class: 'cards' },
            h('div', { class: 'card' }, h('div', null, t('measure.calls')), h('div', { class: 'big' }, String(tot.calls))),
            h('div', { class: 'card' }, h('div', null, t('measure.duration_mean_s')), h('div', { class: 'big' }, tot.duration_mean_s === null || tot.duration_mean_s === undefined ? '—' : fmtSpan(tot.duration_mean_s))),
            h('div', { class: 'card' }, h('div', null, t('measure.high_risk_share')), h('div', { class: 'big' }, tot.high_risk_share === null || tot.high_risk_share === undefined ? '—' : `${(tot.high_risk_share * 100).toFixed(1)}%`)),
            h('div', { class: 'card' }, h('div', null, t('measure.follow_ups')), h('div', { class: 'big' }, String(tot.follow_ups ?? '—'))))),
        SECTIONS.map((s, i) => {
          const r = results[i];
          const el = h('div', { class: 'chart', role: 'img', 'aria-label': t('report.section', { by: t(`dim.${s.by}`) }) });
          chartEls.push(el);
          return h('section', { class: 'report-section' },
            h('h2', null, t('report.section', { by: t(`dim.${s.by}`) })),
            s.by === 'topic' ? h('p', { class: 'hint' }, t('stats.topic.note')) : null,
            el, statsTable(ctx, [s.by], r.groups, s.measures));
        }),
        h('section', { class: 'report-section', 'data-section': 'followup' },
          h('h2', null, t('report.followup')),
          h('p', { class: 'hint' }, t('report.followup.rule')),
          h('h3', null, t('report.followup.queue')),
          followupTable(ctx, results[SECTIONS.length - 1].followup || {}, 'queue'),
          h('h3', null, t('report.followup.counselor')),
          followupTable(ctx, results[SECTIONS.length].followup || {}, 'operator'),
          h('h3', null, t('report.crisis')),
          crisisTable(ctx, (results[0].crisis || {}).totals || {})));
      SECTIONS.forEach((s, i) => {
        const cd = chartData(ctx, [s.by], results[i].groups, 'calls');
        charts.draw(chartEls[i], { ...cd, yName: measureUnit('calls') });
      });
    } catch (e) {
      fill(out, status('error', errorText(e)));
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  // Charts are drawn for the screen's width; redraw them for the page's.
  const before = () => { if (charts) chartEls.forEach((el) => { el.style.width = '180mm'; }); if (charts) charts.resizeAll(chartEls); };
  const after = () => { chartEls.forEach((el) => { el.style.width = ''; }); if (charts) charts.resizeAll(chartEls); };
  window.addEventListener('beforeprint', before);
  window.addEventListener('afterprint', after);
  load();
  return () => {
    window.removeEventListener('beforeprint', before);
    window.removeEventListener('afterprint', after);
    if (charts) chartEls.forEach((el) => charts.dispose(el));
  };
}
