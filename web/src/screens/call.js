// 记录来电: the operator's form for the call on the line now. The timer
// starts when the form opens and fills the duration. Saving puts the call
// in the outbox first (with this form's own Idempotency-Key), then sends
// it; what the server acknowledged shows where the call was routed.
import { h, fill, clear, status } from '../dom.js';
import { t, errorText } from '../i18n.js';
import * as outbox from '../outbox.js';
import { fmtClock, fmtDateTime } from '../time.js';
import { callForm } from './call_form.js';
import { outboxList } from './outbox_view.js';
import { kindText } from './record_view.js';

export function routedView(ctx, record) {
  const items = record.queue_items && record.queue_items.length ? record.queue_items : (record.queue ? [record.queue] : []);
  return h('div', { class: 'routed' },
    h('p', null, t('call.saved', { id: record.id })),
    items.length
      ? h('ul', { class: 'routes' }, items.map((q) => h('li', null,
        h('strong', null, q.name || ctx.name.queue(q.code)),
        ' · ', kindText(q.kind), ' · ', t('queue.priority', { n: q.priority }),
        ' · ', t(`state.${q.state}`), q.due_at && q.state === 'scheduled' ? ` · ${t('queue.due', { at: fmtDateTime(q.due_at) })}` : '')))
      : h('p', null, t('call.noqueue')));
}

export function render(main, ctx) {
  const user = ctx.session.name;
  const formBox = h('div', { class: 'form-col' });
  const timerText = h('span', { class: 'timer-value', role: 'timer', 'aria-live': 'off' }, '0:00');
  const side = h('aside', { class: 'side' });
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const list = outboxList(ctx, { onEdit: (entry) => openForm(entry) });
  side.append(h('div', { class: 'timer' }, h('span', null, t('call.timer')), ' ', timerText), result, list.el);
  main.append(h('h1', { class: 'screen-title' }, t('nav.call')), h('div', { class: 'call-layout' }, formBox, side));

  let tick = null;
  let form = null;

  function startTimer() {
    const t0 = Date.now();
    const timer = { seconds: () => Math.round((Date.now() - t0) / 1000) };
    clearInterval(tick);
    timerText.textContent = '0:00';
    tick = setInterval(() => {
      const sec = timer.seconds();
      timerText.textContent = fmtClock(sec);
      if (form) form.tick(sec);
    }, 1000);
    return timer;
  }

  // A new form; from a refused outbox entry, its fields with a new key
  // (the server stored nothing under the old one).
  function openForm(entry) {
    const key = crypto.randomUUID();
    const timer = entry ? null : startTimer();
    if (entry) { clearInterval(tick); timerText.textContent = fmtClock(entry.body.duration_s || 0); }
    form = callForm(ctx, {
      initial: entry ? entry.body : null,
      timer,
      phone: ctx.session.role === 'operator',
      submitLabel: t('call.save'),
      onSubmit: async (body) => {
        for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
        clearInterval(tick);
        const e = await outbox.add(user, key, body);
        if (entry) await outbox.remove(entry.key);
        const record = await outbox.send(e);
        if (record) { done(record); return; }
        const left = (await outbox.list(user)).find((x) => x.key === key);
        if (left && left.state === 'rejected') {
          // Refused as it is: nothing stored; fix it on the form.
          await outbox.remove(key);
          const err = left.error;
          form.showErrors([{ field: err.field || '', text: errorText(err) }]);
          tick = setInterval(() => { if (timer) { const sec = timer.seconds(); timerText.textContent = fmtClock(sec); form.tick(sec); } }, 1000);
          return;
        }
        fill(result, status('info', left && left.error && left.error.status === 401 ? t('call.queued.signin') : t('call.queued')));
        next(true);
      },
    });
    fill(formBox, form.el);
    form.focus();
  }

  function next(afterQueue) {
    form = null;
    const btn = h('button', { type: 'button', class: 'primary', onclick: () => { clear(result); openForm(null); } }, t('call.next'), h('kbd', { class: 'shortcut' }, 'Alt+N'));
    fill(formBox, h('div', { class: 'after' },
      afterQueue ? h('p', null, t('call.queued.more')) : null, btn));
    btn.focus();
  }

  function done(record) {
    fill(result, status('ok', t('call.ok')), routedView(ctx, record));
    next(false);
  }

  // A call the outbox delivered later.
  function sentLater(ev) {
    const r = ev.detail.record;
    if (!r) return;
    result.append(status('ok', t('call.sent.later', { id: r.id, at: fmtDateTime(r.started_at) })), routedView(ctx, r));
  }
  function keys(e) {
    if (!form && e.altKey && (e.key === 'n' || e.key === 'N')) { e.preventDefault(); clear(result); openForm(null); }
  }
  outbox.events.addEventListener('sent', sentLater);
  document.addEventListener('keydown', keys);
  openForm(null);
  return () => {
    clearInterval(tick);
    list.dispose();
    outbox.events.removeEventListener('sent', sentLater);
    document.removeEventListener('keydown', keys);
  };
}
