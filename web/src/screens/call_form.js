// The call record as a form: every field of POST /v1/calls, codes shown
// by their display names from /v1/schema, made for typing while the
// caller talks. Used new (记录来电, with a call timer) and to amend
// (我的来电, pre-filled). Ctrl+Enter submits from anywhere in it.
import { h, field, status, uid } from '../dom.js';
import { t, errorText } from '../i18n.js';
import * as api from '../api.js';
import { choiceGroup } from '../widgets.js';
import { crisisSection } from './crisis_form.js';
import { nowIso, parseTyped, fmtTyped, fmtClock, fmtDateTime, addDays, today } from '../time.js';

const PERSONAL_MAX = 100;

// "12:05" → 725, "12" → 720 (minutes), "" → null, else NaN.
export function parseDuration(s) {
  s = (s || '').trim();
  if (!s) return null;
  let m = /^(\d+):([0-5]?\d)$/.exec(s);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = /^(\d+):(\d{1,2}):([0-5]\d)$/.exec(s);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  if (/^\d+$/.test(s)) return Number(s) * 60;
  return NaN;
}

export function callForm(ctx, { initial, submitLabel, onSubmit, timer, phone }) {
  const s = ctx.schema;
  const risks = (s.risk_levels || []).map((r) => r.code);
  const moderate = Math.max(0, risks.indexOf('moderate'));
  const answers = (s.assessment_answers || ['yes', 'no', 'unknown']).map((a) => ({ code: a, name: t(`answer.${a}`) }));
  const opts = (list) => (list || []).map((x) => ({ code: x.code, name: x.name || x.code }));

  const g = {
    line: choiceGroup({ name: 'line', legend: t('field.line'), options: opts(s.lines), required: true }),
    call_type: choiceGroup({ name: 'call_type', legend: t('field.call_type'), options: opts(s.call_types) }),
    caller_type: choiceGroup({ name: 'caller_type', legend: t('field.caller_type'), options: opts(s.caller_types), required: true }),
    gender: choiceGroup({ name: 'gender', legend: t('field.gender'), options: opts(s.genders) }),
    age_band: choiceGroup({ name: 'age_band', legend: t('field.age_band'), options: opts(s.age_bands) }),
    topics: choiceGroup({ name: 'topics', legend: t('field.topics'), options: opts(s.topics), multiple: true, required: true }),
    risk: choiceGroup({ name: 'risk', legend: t('field.risk'), options: opts(s.risk_levels), required: true, className: 'risk', onChange: () => shown() }),
    outcome: choiceGroup({ name: 'outcome', legend: t('field.outcome'), options: opts(s.outcomes), onChange: () => shown() }),
  };
  const assess = {};
  for (const k of ['desire', 'capability', 'intent', 'buffers']) {
    assess[k] = choiceGroup({ name: `ra_${k}`, legend: t(`assess.${k}`), options: answers, className: 'compact' });
  }
  const crisis = crisisSection(ctx, initial || {}, risks);
  const emergency = h('input', { type: 'checkbox', id: uid('emergency') });
  const callbackAt = h('input', { type: 'text', id: uid('callback'), autocomplete: 'off', placeholder: `${addDays(today(), 1)} 10:00`, size: 18 });
  const notesMax = (s.limits && s.limits.notes_max_chars) || 4000;
  const notes = h('textarea', { rows: 5, maxlength: notesMax, id: uid('notes') });
  const notesCount = h('span', { class: 'count', 'aria-live': 'off' });
  const consent = h('input', { type: 'checkbox', id: uid('consent') });
  const callerName = h('input', { type: 'text', maxlength: PERSONAL_MAX, autocomplete: 'off', id: uid('cname') });
  const callerContact = h('input', { type: 'text', maxlength: PERSONAL_MAX, autocomplete: 'off', inputmode: 'tel', id: uid('ccontact') });
  const callerNumber = h('input', { type: 'text', maxlength: 40, autocomplete: 'off', inputmode: 'tel', id: uid('cnumber') });
  const startedAt = h('input', { type: 'text', id: uid('started'), autocomplete: 'off', size: 18 });
  const duration = h('input', { type: 'text', inputmode: 'numeric', placeholder: t('form.duration.placeholder'), id: uid('duration'), size: 8 });
  const submit = h('button', { type: 'submit', class: 'primary save' }, submitLabel, h('kbd', { class: 'shortcut' }, 'Ctrl+Enter'));
  const msgs = h('div', { class: 'msgs', 'aria-live': 'assertive' });

  const assessBox = h('div', { class: 'subsection assessment', 'data-section': 'assessment' },
    h('h3', null, t('assess.title')), h('p', { class: 'hint' }, t('assess.hint')),
    h('div', { class: 'assess-grid' }, Object.values(assess).map((x) => x.el)),
    h('div', { class: 'check' }, emergency, h('label', { for: emergency.id }, t('field.emergency_contacted'))));
  const callbackBox = h('div', { class: 'subsection', 'data-section': 'callback' },
    field(t('field.callback_at'), callbackAt, t('form.callback.hint')).wrap);
  const personalBox = h('div', { class: 'subsection personal', 'data-section': 'personal' },
    field(t('field.caller_name'), callerName).wrap, field(t('field.caller_contact'), callerContact).wrap);

  // Pre-filled values (amend), else defaults.
  const init = initial || {};
  g.call_type.set(init.call_type || 'counseling');
  if (init.line) g.line.set(init.line);
  else {
    try { const l = localStorage.getItem('hotline.line'); if (l) g.line.set(l); } catch { /* ignore */ }
  }
  for (const k of ['caller_type', 'gender', 'age_band', 'risk', 'outcome']) if (init[k]) g[k].set(init[k]);
  if (init.topics) g.topics.set(init.topics);
  if (init.risk_assessment) for (const k of Object.keys(assess)) assess[k].set(init.risk_assessment[k]);
  emergency.checked = !!init.emergency_contacted;
  callbackAt.value = fmtTyped(init.callback_at);
  notes.value = init.notes || '';
  consent.checked = !!init.consent;
  callerName.value = init.caller_name || '';
  callerContact.value = init.caller_contact || '';
  let openedAt = init.started_at || nowIso();
  startedAt.value = fmtTyped(openedAt);
  let startedShown = startedAt.value;
  let durationTouched = init.duration_s !== undefined && init.duration_s !== null;
  duration.value = durationTouched ? fmtClock(init.duration_s) : '';
  duration.addEventListener('input', () => { durationTouched = true; });

  // 从来电填入: the operator's latest answered phone call not yet logged
  // (GET /v1/pbx/latest) gives the line, the start and the talk time;
  // the call is then logged with its pbx_call_id, which joins the two
  // and gives the server the caller's hash.
  let pbxCallId = init.pbx_call_id || null;
  const phoneNote = h('div', { class: 'phone-note', 'aria-live': 'polite' });
  const phoneBtn = phone ? h('button', { type: 'button', class: 'phone-fill', onclick: () => fillFromPhone() }, t('form.phone.fill')) : null;
  async function fillFromPhone() {
    phoneNote.replaceChildren();
    let pc;
    try {
      pc = await api.get('/v1/pbx/latest');
    } catch (e) {
      phoneNote.replaceChildren(status(e.status === 404 ? 'info' : 'error', e.status === 404 ? t('form.phone.none') : errorText(e)));
      return;
    }
    if (pc.line) g.line.set(pc.line);
    if (pc.answered_at) {
      openedAt = pc.answered_at;
      startedAt.value = fmtTyped(openedAt);
      startedShown = startedAt.value;
    }
    if (pc.talk_s !== null && pc.talk_s !== undefined) {
      duration.value = fmtClock(pc.talk_s);
      durationTouched = true;
    }
    pbxCallId = pc.pbx_call_id;
    phoneNote.replaceChildren(status('ok', t('form.phone.filled', {
      at: fmtDateTime(pc.answered_at), line: ctx.name ? ctx.name.line(pc.line) : pc.line,
      wait: pc.wait_s === null ? '–' : pc.wait_s,
    })));
    g.caller_type.focus();
  }

  function countNotes() { notesCount.textContent = t('form.notes.count', { n: [...notes.value].length, max: notesMax }); }
  notes.addEventListener('input', countNotes);
  countNotes();

  function shown() {
    const r = risks.indexOf(g.risk.get());
    assessBox.hidden = !(r >= moderate && g.risk.get() !== null);
    crisis.update(g.risk.get() === null ? -1 : r);
    callbackBox.hidden = g.outcome.get() !== 'callback';
    personalBox.hidden = !consent.checked;
  }
  consent.addEventListener('change', shown);
  shown();

  const form = h('form', { class: 'callform', novalidate: true },
    msgs,
    h('section', { class: 'section' }, h('h2', null, t('form.section.call')),
      phoneBtn ? h('div', { class: 'phone-row' }, phoneBtn, phoneNote) : null,
      g.line.el, g.call_type.el),
    h('section', { class: 'section' }, h('h2', null, t('form.section.caller')),
      g.caller_type.el, h('div', { class: 'pair' }, g.gender.el, g.age_band.el)),
    h('section', { class: 'section' }, h('h2', null, t('form.section.content')),
      g.topics.el, g.risk.el, assessBox, crisis.el, g.outcome.el, callbackBox,
      h('div', { class: 'field' }, h('label', { for: notes.id }, t('field.notes')), notes, notesCount)),
    h('section', { class: 'section' }, h('h2', null, t('form.section.contact')),
      h('div', { class: 'check' }, consent, h('label', { for: consent.id }, t('field.consent'))),
      personalBox,
      field(t('field.caller_number'), callerNumber, t('form.number.hint')).wrap),
    h('section', { class: 'section' }, h('h2', null, t('form.section.time')),
      h('div', { class: 'pair' },
        field(t('field.started_at'), startedAt, t('form.time.hint')).wrap,
        field(t('field.duration_s'), duration, t('form.duration.hint')).wrap)),
    h('div', { class: 'form-actions' }, submit));

  function clearErrors() {
    msgs.replaceChildren();
    Object.values(g).concat(Object.values(assess)).forEach((x) => x.error(''));
    crisis.clearErrors();
    form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
  }

  // Marks a field (by API name) wrong and returns what to focus.
  function markField(name, text) {
    if (g[name]) { g[name].error(text); return g[name]; }
    if (name === 'risk_assessment') { Object.values(assess).forEach((x) => x.error(text)); return assess.desire; }
    const cf = crisis.markField(name, text);
    if (cf) return cf;
    const map = { callback_at: callbackAt, notes, caller_name: callerName, caller_contact: callerContact, caller_number: callerNumber, started_at: startedAt, duration_s: duration, consent, emergency_contacted: emergency };
    const el = map[name];
    if (!el) return null;
    el.setAttribute('aria-invalid', 'true');
    return el;
  }

  function showErrors(list) {
    clearErrors();
    msgs.append(status('error', list.length === 1 ? list[0].text : t('form.errors', { n: list.length })));
    if (list.length > 1) msgs.append(h('ul', { class: 'error-list' }, list.map((x) => h('li', null, x.text))));
    let first = null;
    for (const x of list) { const f = markField(x.field, x.text); if (!first && f) first = f; }
    if (first) first.focus();
  }

  // The body for POST (all fields given) from what is on the form.
  function collect() {
    const errors = [];
    const b = {};
    const req = (name) => errors.push({ field: name, text: t('form.missing', { field: t(`field.${name}`) }) });
    b.line = g.line.get(); if (!b.line) req('line');
    b.call_type = g.call_type.get() || 'counseling';
    b.caller_type = g.caller_type.get(); if (!b.caller_type) req('caller_type');
    b.gender = g.gender.get();
    b.age_band = g.age_band.get();
    b.topics = g.topics.get(); if (!b.topics.length) req('topics');
    b.risk = g.risk.get(); if (!b.risk) req('risk');
    b.outcome = g.outcome.get();
    if (!assessBox.hidden) {
      const a = {};
      let n = 0;
      for (const k of Object.keys(assess)) { a[k] = assess[k].get(); if (a[k]) n += 1; }
      if (n === 4) b.risk_assessment = a;
      else if (n > 0) errors.push({ field: 'risk_assessment', text: t('form.assess.partial') });
      else b.risk_assessment = null;
      b.emergency_contacted = emergency.checked;
    } else {
      b.risk_assessment = null;
      b.emergency_contacted = false;
    }
    crisis.collect(b, errors);
    if (b.outcome === 'callback') {
      b.callback_at = parseTyped(callbackAt.value);
      if (!callbackAt.value.trim()) req('callback_at');
      else if (!b.callback_at) errors.push({ field: 'callback_at', text: t('form.time.bad', { field: t('field.callback_at') }) });
    } else b.callback_at = null;
    b.notes = notes.value.trim() ? notes.value : null;
    b.consent = consent.checked;
    b.caller_name = consent.checked && callerName.value.trim() ? callerName.value.trim() : null;
    b.caller_contact = consent.checked && callerContact.value.trim() ? callerContact.value.trim() : null;
    b.caller_number = callerNumber.value.trim() || null;
    b.started_at = startedAt.value === startedShown ? openedAt : parseTyped(startedAt.value);
    if (!b.started_at) errors.push({ field: 'started_at', text: t('form.time.bad', { field: t('field.started_at') }) });
    const d = durationTouched ? parseDuration(duration.value) : (timer ? timer.seconds() : null);
    if (Number.isNaN(d) || (d !== null && (d < 0 || d > 86400))) errors.push({ field: 'duration_s', text: t('form.duration.bad') });
    b.duration_s = Number.isNaN(d) ? null : d;
    if (pbxCallId) b.pbx_call_id = pbxCallId;
    return { body: b, errors };
  }

  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === 'Enter' && e.target.tagName === 'INPUT' && e.target.type !== 'submit') {
      e.preventDefault(); // Enter alone never saves a half-typed call
    }
  });
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    const { body, errors } = collect();
    if (errors.length) { showErrors(errors); return; }
    clearErrors();
    busy = true;
    submit.disabled = true;
    try {
      try { localStorage.setItem('hotline.line', body.line); } catch { /* ignore */ }
      await onSubmit(body);
    } finally {
      busy = false;
      submit.disabled = false;
    }
  });

  return {
    el: form,
    focus: () => (g.line.get() ? g.caller_type.focus() : g.line.focus()),
    showErrors,
    message(kind, text) { msgs.replaceChildren(status(kind, text)); },
    tick(sec) { if (!durationTouched) duration.value = fmtClock(sec); },
    stopTimerDisplay() { durationTouched = true; },
  };
}
