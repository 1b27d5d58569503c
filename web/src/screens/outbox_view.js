// The outbox as the operator sees it: a count in the header, and on the
// form's screen each unsent call with its age (未发送), and a call the
// server refused with the server's reason and what can be done.
import { h, append, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import * as outbox from '../outbox.js';
import { fmtSpan, fmtDateTime } from '../time.js';
import { modal } from '../modal.js';

export function outboxBadge(user, onclick) {
  const b = h('button', { type: 'button', class: 'badge', hidden: true, onclick });
  async function update() {
    let n = 0;
    try { n = (await outbox.list(user)).length; } catch { /* no IndexedDB */ }
    b.hidden = n === 0;
    b.textContent = t('outbox.badge', { n });
  }
  outbox.events.addEventListener('change', update);
  update();
  return b;
}

// The list; onEdit(entry) loads a refused call back into the form.
export function outboxList(ctx, { onEdit }) {
  const user = ctx.session.name;
  const box = h('section', { class: 'outbox', 'aria-labelledby': 'outbox-h' });
  let entries = [];
  async function load() {
    try { entries = await outbox.list(user); } catch { entries = []; }
    draw();
  }
  function draw() {
    clear(box);
    if (!entries.length) { box.hidden = true; return; }
    box.hidden = false;
    append(box, h('h2', { id: 'outbox-h' }, t('outbox.title', { n: entries.length })),
      entries.some((e) => e.state === 'pending') ? h('p', { class: 'hint' }, t('outbox.hint')) : null,
      entries.some((e) => e.state === 'rejected') ? h('p', { class: 'hint' }, t('outbox.hint.rejected')) : null);
    const ul = h('ul', { class: 'outbox-list' });
    for (const e of entries) {
      const age = (Date.now() - e.created) / 1000;
      const b = e.body;
      const what = [ctx.name.line(b.line), ctx.name.caller_type(b.caller_type), ctx.name.risk(b.risk)].filter(Boolean).join(' · ');
      const li = h('li', { class: `outbox-item ${e.state}`, 'data-key': e.key },
        h('div', { class: 'state' },
          h('strong', null, e.state === 'rejected' ? t('outbox.rejected') : t('outbox.unsent')),
          ' ', h('span', { class: 'age' }, t('outbox.age', { age: fmtSpan(age) }))),
        h('div', null, fmtDateTime(b.started_at), ' · ', what));
      if (e.error) li.append(h('div', { class: e.state === 'rejected' ? 'msg msg-error' : 'hint' }, errorText(e.error)));
      const actions = h('div', { class: 'actions' });
      if (e.state === 'pending') {
        actions.append(h('button', { type: 'button', onclick: () => { outbox.send(e); } }, t('outbox.retry')));
      } else {
        actions.append(h('button', { type: 'button', onclick: () => onEdit(e) }, t('outbox.edit')));
        actions.append(h('button', {
          type: 'button',
          onclick: async () => {
            if (await modal(t('outbox.discard.title'), t('outbox.discard.text'), t('outbox.discard'), t('cancel'))) outbox.remove(e.key);
          },
        }, t('outbox.discard')));
      }
      li.append(actions);
      ul.append(li);
    }
    box.append(ul);
  }
  outbox.events.addEventListener('change', load);
  const every = setInterval(draw, 15000);
  load();
  return {
    el: box,
    dispose() { outbox.events.removeEventListener('change', load); clearInterval(every); },
  };
}
