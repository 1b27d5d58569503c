// One call as a list of its fields, in display names; personal fields
// the reader may not see are said to be hidden (redacted) or erased.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { fmtDateTime, fmtClock } from '../time.js';

// A queue item's kind in words: referral, callback, follow-up step N.
export function kindText(kind) {
  const m = /^followup-(\d+)$/.exec(kind || '');
  return m ? t('kind.followup', { n: m[1] }) : t(`kind.${kind}`);
}

export function riskText(ctx, code) {
  const risks = (ctx.schema.risk_levels || []).map((r) => r.code);
  const high = risks.indexOf(code) >= risks.indexOf('high') && risks.indexOf('high') >= 0;
  return h('span', { class: high ? 'risk-high' : null }, ctx.name.risk(code));
}

// The crisis record's fields, in words.
function crisisRows(c, add) {
  const items = (o) => Object.entries(o).map(([k, v]) => `${t(`${k in SAFETY ? 'safety' : 'screener'}.${k}`)}：${t(`answer.${v}`)}`).join('；');
  add(t('field.ideation_intensity'), c.ideation_intensity ?? null);
  add(t('field.hopelessness'), c.hopelessness ?? null);
  if (c.screener) add(t('field.screener'), items(c.screener));
  if (c.plan_timeframe) add(t('field.plan_timeframe'), t(`timeframe.${c.plan_timeframe}`));
  if ((c.redacted || []).includes('safety_plan')) add(t('field.safety_plan'), t('record.redacted'));
  else if ((c.erased || []).includes('safety_plan')) add(t('field.safety_plan'), t('record.erased'));
  else if (c.safety_plan) add(t('field.safety_plan'), items(c.safety_plan));
  const e = c.emergency;
  if (e) {
    add(t('field.emergency'), [t(`agency.${e.agency}`), fmtDateTime(e.contacted_at), e.reference,
      t(`outcome.emergency.${e.confirmed}`)].filter(Boolean).join('，'));
  }
}
const SAFETY = { warning_signs: 1, coping_steps: 1, people_places: 1, professional_contacts: 1, means_safer: 1 };

export function recordView(ctx, c) {
  const rows = [];
  const add = (label, value) => {
    if (value === undefined || value === null || value === '') return;
    rows.push(h('dt', null, label), h('dd', null, value));
  };
  const hidden = new Set([...(c.redacted || []), ...(c.erased || [])]);
  add(t('field.id'), String(c.id));
  add(t('field.line'), ctx.name.line(c.line));
  add(t('field.started_at'), fmtDateTime(c.started_at));
  add(t('field.duration_s'), c.duration_s !== null && c.duration_s !== undefined ? fmtClock(c.duration_s) : null);
  add(t('field.call_type'), ctx.name.call_type(c.call_type));
  add(t('field.caller_type'), ctx.name.caller_type(c.caller_type));
  add(t('field.gender'), ctx.name.gender(c.gender));
  add(t('field.age_band'), ctx.name.age_band(c.age_band));
  add(t('field.topics'), (c.topics || []).map(ctx.name.topic).join('、'));
  add(t('field.risk'), riskText(ctx, c.risk));
  if (c.risk_assessment) {
    add(t('assess.title'), ['desire', 'capability', 'intent', 'buffers']
      .map((k) => `${t(`assess.${k}`)}：${t(`answer.${c.risk_assessment[k]}`)}`).join('；'));
  }
  add(t('field.emergency_contacted'), c.emergency_contacted ? t('yes') : null);
  crisisRows(c, add);
  add(t('field.outcome'), ctx.name.outcome(c.outcome));
  add(t('field.callback_at'), fmtDateTime(c.callback_at));
  for (const k of ['notes', 'caller_name', 'caller_contact']) {
    if ((c.erased || []).includes(k)) add(t(`field.${k}`), t('record.erased'));
    else if ((c.redacted || []).includes(k)) add(t(`field.${k}`), t('record.redacted'));
    else add(t(`field.${k}`), c[k]);
  }
  if (!hidden.has('caller_name')) add(t('field.consent'), c.consent ? t('yes') : t('no'));
  add(t('field.repeat_calls'), c.repeat_calls ? String(c.repeat_calls) : null);
  add(t('field.operator'), c.operator);
  if (c.queue_items && c.queue_items.length) {
    add(t('field.queue'), c.queue_items.map((q) => `${q.name || ctx.name.queue(q.code)}（${kindText(q.kind)}，${t(`state.${q.state}`)}）`).join('；'));
  }
  add(t('field.legal_hold'), c.legal_hold ? t('yes') : null);
  add(t('field.version'), String(c.version));
  add(t('field.updated_at'), fmtDateTime(c.updated_at));
  return h('dl', { class: 'record' }, rows);
}
