// The crisis record on the call form: suicidal ideation and hopelessness
// (0–10), the six items of the Columbia screener, and the plan's time
// frame when a plan is in place. Shown from moderate risk up, or when
// the server's config requires them (schema crisis.required): those are
// marked required from that risk up. Codes come from /v1/schema.
import { h, uid } from '../dom.js';
import { t } from '../i18n.js';
import { choiceGroup } from '../widgets.js';

const SCORES = ['ideation_intensity', 'hopelessness'];

export function crisisSection(ctx, init, risks) {
  const c = ctx.schema.crisis || {};
  const required = (c.required && c.required.fields) || [];
  const fromRank = c.required && c.required.from ? risks.indexOf(c.required.from) : -1;
  const answers = (c.answers || ['yes', 'no', 'unknown']).map((a) => ({ code: a, name: t(`answer.${a}`) }));
  const marks = {};
  const mark = (name) => { marks[name] = h('span', { class: 'req', hidden: true }, ' *', h('span', { class: 'sr' }, t('form.required'))); return marks[name]; };

  const scores = {};
  const scoreFields = SCORES.map((k) => {
    const input = h('input', { type: 'number', min: 0, max: 10, step: 1, inputmode: 'numeric', id: uid(k), size: 4, class: 'score', name: k });
    if (init[k] !== null && init[k] !== undefined) input.value = String(init[k]);
    scores[k] = input;
    return h('div', { class: 'field' }, h('label', { for: input.id }, t(`field.${k}`), mark(k)), input,
      h('div', { class: 'hint' }, t('crisis.score.hint')));
  });
  const items = c.screener_items || ['wish_dead', 'active_thoughts', 'method', 'intent', 'plan', 'behavior'];
  const screener = {};
  for (const k of items) {
    screener[k] = choiceGroup({ name: `sc_${k}`, legend: t(`screener.${k}`), options: answers, className: 'compact', onChange: () => update() });
    if (init.screener && init.screener[k]) screener[k].set(init.screener[k]);
  }
  const frames = (c.plan_timeframes || ['72h', '1w', 'later']).map((f) => ({ code: f, name: t(`timeframe.${f}`) }));
  const timeframe = choiceGroup({ name: 'plan_timeframe', legend: t('field.plan_timeframe'), options: frames, className: 'compact' });
  if (init.plan_timeframe) timeframe.set(init.plan_timeframe);
  timeframe.el.querySelector('legend').append(mark('plan_timeframe'));
  const screenerBox = h('fieldset', { class: 'screener', 'data-field': 'screener' },
    h('legend', null, t('field.screener'), mark('screener')),
    h('div', { class: 'assess-grid' }, Object.values(screener).map((x) => x.el)));
  const el = h('div', { class: 'subsection crisis', 'data-section': 'crisis' },
    h('h3', null, t('crisis.title')), h('p', { class: 'hint' }, t('crisis.hint')),
    h('div', { class: 'pair' }, scoreFields), screenerBox, timeframe.el);
  let risk = -1;

  function isRequired(name) { return fromRank >= 0 && risk >= fromRank && required.includes(name); }
  function planYes() { return screener.plan ? screener.plan.get() === 'yes' : false; }

  // The risk (a rank in risks) changed, or the screener did.
  function update(rank) {
    if (rank !== undefined) risk = rank;
    const moderate = Math.max(0, risks.indexOf('moderate'));
    el.hidden = !(risk >= moderate || (fromRank >= 0 && risk >= fromRank));
    for (const [k, m] of Object.entries(marks)) m.hidden = !isRequired(k);
    timeframe.el.hidden = !planYes();
  }

  // Into body b, errors into errors ({field, text}); hidden: unchanged.
  function collect(b, errors) {
    if (el.hidden) {
      for (const k of [...SCORES, 'screener', 'plan_timeframe']) b[k] = init[k] ?? null;
      return;
    }
    const miss = (k) => errors.push({ field: k, text: t('form.missing', { field: t(`field.${k}`) }) });
    for (const k of SCORES) {
      const v = scores[k].value.trim();
      if (v === '') { b[k] = null; if (isRequired(k)) miss(k); continue; }
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 10) { errors.push({ field: k, text: t('crisis.score.bad', { field: t(`field.${k}`) }) }); b[k] = null; continue; }
      b[k] = n;
    }
    const a = {};
    let n = 0;
    for (const k of Object.keys(screener)) { a[k] = screener[k].get(); if (a[k]) n += 1; }
    if (n === items.length) b.screener = a;
    else if (n > 0) errors.push({ field: 'screener', text: t('crisis.screener.partial') });
    else { b.screener = null; if (isRequired('screener')) miss('screener'); }
    b.plan_timeframe = planYes() ? timeframe.get() : null;
    if (planYes() && !b.plan_timeframe && isRequired('plan_timeframe')) miss('plan_timeframe');
  }

  // A field by API name marked wrong; what to focus, or null.
  function markField(name, text) {
    if (scores[name]) { scores[name].setAttribute('aria-invalid', 'true'); return scores[name]; }
    if (name === 'screener' || name.startsWith('screener.')) {
      Object.values(screener).forEach((x) => x.error(text));
      return Object.values(screener)[0];
    }
    if (name === 'plan_timeframe') { timeframe.error(text); return timeframe; }
    return null;
  }

  function clearErrors() {
    Object.values(screener).forEach((x) => x.error(''));
    timeframe.error('');
  }

  return { el, update, collect, markField, clearErrors };
}
