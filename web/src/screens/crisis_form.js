// The crisis record on the call form: suicidal ideation and hopelessness
// (0–10), the six items of the Columbia screener, the plan's time frame
// when a plan is in place, the safety plan (five items, personal like the
// notes) and the emergency linkage (who was contacted, when, their
// reference, whether contact with the caller was confirmed). Shown from
// moderate risk up, or when
// the server's config requires them (schema crisis.required): those are
// marked required from that risk up. Codes come from /v1/schema.
import { h, uid, field } from '../dom.js';
import { t } from '../i18n.js';
import { choiceGroup } from '../widgets.js';
import { parseTyped, fmtTyped } from '../time.js';

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
  const safetyItems = c.safety_plan_items || ['warning_signs', 'coping_steps', 'people_places', 'professional_contacts', 'means_safer'];
  const safety = {};
  for (const k of safetyItems) {
    safety[k] = choiceGroup({ name: `sp_${k}`, legend: t(`safety.${k}`), options: answers, className: 'compact' });
    if (init.safety_plan && init.safety_plan[k]) safety[k].set(init.safety_plan[k]);
  }
  const safetyBox = h('fieldset', { class: 'screener', 'data-field': 'safety_plan' },
    h('legend', null, t('field.safety_plan'), mark('safety_plan')),
    h('p', { class: 'hint' }, t('crisis.safety.hint')),
    h('div', { class: 'assess-grid' }, Object.values(safety).map((x) => x.el)));
  const em = init.emergency || null;
  // Who was contacted: the confirmation starts as pending.
  const agency = choiceGroup({ name: 'emergency_agency', legend: t('emergency.agency'), className: 'compact',
    onChange: (a) => { if (a && !confirmed.get()) confirmed.set('pending'); },
    options: (c.emergency_agencies || ['110', '120', '119', 'family', 'workplace', 'other']).map((a) => ({ code: a, name: t(`agency.${a}`) })) });
  const contactedAt = h('input', { type: 'text', id: uid('em_at'), autocomplete: 'off', size: 18, name: 'emergency_contacted_at' });
  const reference = h('input', { type: 'text', id: uid('em_ref'), autocomplete: 'off', maxlength: 64, size: 20, name: 'emergency_reference' });
  const confirmed = choiceGroup({ name: 'emergency_confirmed', legend: t('emergency.confirmed'), className: 'compact',
    options: (c.emergency_outcomes || ['confirmed', 'not_confirmed', 'pending']).map((o) => ({ code: o, name: t(`outcome.emergency.${o}`) })) });
  if (em) {
    agency.set(em.agency);
    contactedAt.value = fmtTyped(em.contacted_at);
    reference.value = em.reference || '';
    confirmed.set(em.confirmed || 'pending');
  }
  const contactedShown = contactedAt.value;
  agency.el.querySelector('legend').append(mark('emergency'));
  const emergencyBox = h('fieldset', { class: 'screener emergency', 'data-field': 'emergency' },
    h('legend', null, t('field.emergency')),
    h('p', { class: 'hint' }, t('crisis.emergency.hint')),
    agency.el,
    h('div', { class: 'pair' },
      field(t('emergency.contacted_at'), contactedAt, t('form.callback.hint')).wrap,
      field(t('emergency.reference'), reference).wrap),
    confirmed.el);
  const el = h('div', { class: 'subsection crisis', 'data-section': 'crisis' },
    h('h3', null, t('crisis.title')), h('p', { class: 'hint' }, t('crisis.hint')),
    h('div', { class: 'pair' }, scoreFields), screenerBox, timeframe.el, safetyBox, emergencyBox);
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
      for (const k of [...SCORES, 'screener', 'plan_timeframe', 'safety_plan', 'emergency']) b[k] = init[k] ?? null;
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
    const sp = {};
    let m = 0;
    for (const k of Object.keys(safety)) { sp[k] = safety[k].get(); if (sp[k]) m += 1; }
    if (m === safetyItems.length) b.safety_plan = sp;
    else if (m > 0) errors.push({ field: 'safety_plan', text: t('crisis.safety.partial') });
    else { b.safety_plan = null; if (isRequired('safety_plan')) miss('safety_plan'); }
    collectEmergency(b, errors, miss);
  }

  // The linkage in the API's order; an unchanged time keeps the stored one.
  function collectEmergency(b, errors, miss) {
    const a = agency.get();
    const at = contactedAt.value.trim();
    const ref = reference.value.trim();
    if (!a) {
      if (at || ref) errors.push({ field: 'emergency.agency', text: t('crisis.emergency.agency_missing') });
      else if (isRequired('emergency')) miss('emergency');
      b.emergency = null;
      return;
    }
    const e = { agency: a, contacted_at: null, reference: ref || null, confirmed: confirmed.get() || 'pending' };
    if (!at) errors.push({ field: 'emergency.contacted_at', text: t('form.missing', { field: t('emergency.contacted_at') }) });
    else if (em && contactedAt.value === contactedShown) e.contacted_at = em.contacted_at;
    else if (!(e.contacted_at = parseTyped(contactedAt.value))) errors.push({ field: 'emergency.contacted_at', text: t('form.time.bad', { field: t('emergency.contacted_at') }) });
    b.emergency = e;
  }

  // A field by API name marked wrong; what to focus, or null.
  function markField(name, text) {
    if (scores[name]) { scores[name].setAttribute('aria-invalid', 'true'); return scores[name]; }
    if (name === 'screener' || name.startsWith('screener.')) {
      Object.values(screener).forEach((x) => x.error(text));
      return Object.values(screener)[0];
    }
    if (name === 'plan_timeframe') { timeframe.error(text); return timeframe; }
    if (name === 'safety_plan' || name.startsWith('safety_plan.')) {
      Object.values(safety).forEach((x) => x.error(text));
      return Object.values(safety)[0];
    }
    if (name === 'emergency.contacted_at') { contactedAt.setAttribute('aria-invalid', 'true'); return contactedAt; }
    if (name === 'emergency.reference') { reference.setAttribute('aria-invalid', 'true'); return reference; }
    if (name === 'emergency.confirmed') { confirmed.error(text); return confirmed; }
    if (name === 'emergency' || name.startsWith('emergency.')) { agency.error(text); return agency; }
    return null;
  }

  function clearErrors() {
    Object.values(screener).forEach((x) => x.error(''));
    Object.values(safety).forEach((x) => x.error(''));
    timeframe.error('');
    agency.error('');
    confirmed.error('');
  }

  return { el, update, collect, markField, clearErrors };
}
