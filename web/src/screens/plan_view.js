// A call's follow-up plan (GET /v1/calls/{id}/plan): its steps, each with
// every attempt to reach the caller; for the counselor holding a step,
// the form to record an attempt (result and note); for counselors and
// supervisors, ending the plan early with a reason. Notes show as text.
import { h, fill, field, status, table } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { get, post } from '../api.js';
import { fmtDateTime, fmtSpan } from '../time.js';
import { choiceGroup } from '../widgets.js';
import { modal } from '../modal.js';

function attemptsTable(list) {
  if (!list.length) return h('p', { class: 'hint' }, t('plan.noattempts'));
  return h('div', { class: 'table-wrap' }, table([
    { label: t('attempt.at'), value: (a) => fmtDateTime(a.at) },
    { label: t('attempt.by'), value: (a) => a.by },
    { label: t('attempt.result'), value: (a) => t(`result.${a.result}`) },
    { label: t('attempt.note'), value: (a) => ((a.redacted || []).includes('note') ? t('attempt.redacted') : (a.note || '')) },
  ], list));
}

function stepView(s) {
  return h('li', { class: 'plan-step', 'data-item': String(s.id) },
    h('div', { class: 'step-head' },
      h('strong', null, t('plan.step', { n: s.step })), ' · ', t(`state.${s.state}`),
      ' · ', t('plan.due', { at: fmtDateTime(s.due_at) }), ' · ', t('plan.attempts', { n: s.attempts }),
      s.escalated ? [' · ', h('span', { class: 'flag-bad' }, t('plan.escalated'))] : null),
    attemptsTable(s.attempt_log || []));
}

// The attempt form for step item (claimed by the viewer, or a supervisor).
function attemptForm(ctx, item, done) {
  const results = (ctx.schema.attempt_results || ['reached', 'no_answer', 'busy', 'refused', 'wrong_number', 'left_message'])
    .map((r) => ({ code: r, name: t(`result.${r}`) }));
  const result = choiceGroup({ name: 'attempt_result', legend: t('attempt.result'), options: results, required: true, className: 'compact' });
  const note = h('textarea', { rows: 3, maxlength: (ctx.schema.limits && ctx.schema.limits.notes_max_chars) || 4000, name: 'attempt_note' });
  const msg = h('div', { 'aria-live': 'polite' });
  const f = h('form', { class: 'attempt-form' }, h('h3', null, t('attempt.title')), msg, result.el,
    field(t('attempt.note'), note).wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('attempt.save'))));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    result.error('');
    const r = result.get();
    if (!r) { result.error(t('attempt.pick')); result.focus(); return; }
    const body = { result: r };
    if (note.value.trim()) body.note = note.value;
    try {
      const res = await post(`/v1/queue-items/${encodeURIComponent(item.id)}/attempts`, body);
      done(res.data, t('attempt.saved', { result: t(`result.${r}`) }));
    } catch (err) {
      fill(msg, status('error', errorText(err)));
    }
  });
  return f;
}

function endForm(ctx, callId, done) {
  const reasons = (ctx.schema.plan_end_reasons || ['declined', 'in_treatment', 'transferred', 'unreachable', 'other'])
    .map((r) => ({ code: r, name: t(`reason.${r}`) }));
  const reason = choiceGroup({ name: 'end_reason', legend: t('plan.end.reason'), options: reasons, required: true, className: 'compact' });
  const msg = h('div', { 'aria-live': 'polite' });
  const f = h('form', { class: 'plan-end' }, h('h3', null, t('plan.end.title')), msg, reason.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('plan.end.save'))));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    reason.error('');
    const r = reason.get();
    if (!r) { reason.error(t('plan.end.pick')); reason.focus(); return; }
    if (!(await modal(t('plan.end.title'), t('plan.end.confirm'), t('plan.end.save'), t('cancel')))) return;
    try {
      await post(`/v1/calls/${encodeURIComponent(callId)}/plan/end`, { reason: r });
      done(null, t('plan.end.done'));
    } catch (err) {
      fill(msg, status('error', errorText(err)));
    }
  });
  return f;
}

// The plan panel of call callId; item: a step the viewer may record an
// attempt on (or null); onItem(text): the step or plan changed, with what
// to say (the caller draws again); without it the panel reloads itself.
export function planPanel(ctx, callId, { item, onItem } = {}) {
  const el = h('div', { class: 'panel plan', 'data-section': 'plan' });
  const msg = h('div', { 'aria-live': 'polite' });

  async function load(note) {
    let p;
    try {
      p = await get(`/v1/calls/${encodeURIComponent(callId)}/plan`);
    } catch (e) {
      if (e.status === 404) { el.hidden = true; return; }
      fill(el, h('h2', null, t('plan.title')), status('error', errorText(e)));
      return;
    }
    el.hidden = false;
    fill(msg, note ? status('ok', note) : null);
    const done = (it, text) => {
      if (onItem) { onItem(text); return; }
      item = it && it.state === 'claimed' ? it : null;
      load(text);
    };
    const active = p.state === 'active';
    fill(el,
      h('h2', null, t('plan.title')),
      msg,
      h('p', null, h('strong', null, t('plan.head', { name: p.name, state: t(`plan.state.${p.state}`) }))),
      h('p', { class: 'hint' }, t('plan.started', { at: fmtDateTime(p.started_at), n: p.attempts_allowed, wait: fmtSpan(p.retry_after_s) })),
      p.ended_at ? h('p', null, t('plan.ended', { by: p.ended_by, at: fmtDateTime(p.ended_at), reason: t(`reason.${p.end_reason}`) })) : null,
      h('ol', { class: 'plan-steps' }, p.steps.map(stepView)),
      active && item && item.state === 'claimed' ? attemptForm(ctx, item, done) : null,
      active && ['counselor', 'supervisor', 'admin'].includes(ctx.session.role) ? endForm(ctx, callId, done) : null);
  }
  load();
  return el;
}
