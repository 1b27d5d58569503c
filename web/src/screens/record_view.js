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

// Items answered yes, no or unknown ({wish_dead: 'no', ...}) in words,
// under the catalogue's prefix (screener, safety, assess).
function itemsText(prefix, o) {
  return Object.entries(o).map(([k, v]) => `${t(`${prefix}.${k}`)}${t('sep.item')}${t(`answer.${v}`)}`).join(t('sep.list'));
}

function emergencyText(e) {
  return [e.agency && t(`agency.${e.agency}`), fmtDateTime(e.contacted_at), e.reference,
    e.confirmed && t(`outcome.emergency.${e.confirmed}`)].filter(Boolean).join(t('sep.comma'));
}

// A crisis field's value in words (the amendments show them too); null
// for a field that is not one.
export function crisisText(k, v) {
  if (v === null || v === undefined) return null;
  if (k === 'ideation_intensity' || k === 'hopelessness') return String(v);
  if (k === 'screener') return itemsText('screener', v);
  if (k === 'safety_plan') return itemsText('safety', v);
  if (k === 'risk_assessment') return itemsText('assess', v);
  if (k === 'plan_timeframe') return t(`timeframe.${v}`);
  if (k === 'emergency') return emergencyText(v);
  return null;
}

// The crisis record's fields, in words.
function crisisRows(c, add) {
  for (const k of ['ideation_intensity', 'hopelessness', 'screener', 'plan_timeframe']) add(t(`field.${k}`), crisisText(k, c[k]));
  if ((c.redacted || []).includes('safety_plan')) add(t('field.safety_plan'), t('record.redacted'));
  else if ((c.erased || []).includes('safety_plan')) add(t('field.safety_plan'), t('record.erased'));
  else add(t('field.safety_plan'), crisisText('safety_plan', c.safety_plan));
  add(t('field.emergency'), crisisText('emergency', c.emergency));
}

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
  add(t('assess.title'), crisisText('risk_assessment', c.risk_assessment));
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
    add(t('field.queue_items'), c.queue_items.map((q) => `${q.name || ctx.name.queue(q.code)}${t('sep.open')}${kindText(q.kind)}${t('sep.comma')}${t(`state.${q.state}`)}${t('sep.close')}`).join(t('sep.list')));
  }
  add(t('field.legal_hold'), c.legal_hold ? t('yes') : null);
  add(t('field.version'), String(c.version));
  add(t('field.updated_at'), fmtDateTime(c.updated_at));
  return h('dl', { class: 'record' }, rows);
}
