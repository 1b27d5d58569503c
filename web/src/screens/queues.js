// The counselor's screens: the queues (depth, oldest wait, SLA state),
// claim the next item, the item with its call, the lease counting down,
// renew, complete with a resolution, release.
import { h, fill, clear, field, status, table } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { get, request, post } from '../api.js';
import { fmtDateTime, fmtSpan, fmtClock } from '../time.js';
import { recordView, riskText, kindText } from './record_view.js';
import { planPanel } from './plan_view.js';
import { detailText, word } from '../details.js';

// One entry of an item's history: when, who (the daemon and the phone
// system by name), what, and the detail in words (details.js).
function historyEntry(ctx, x) {
  return h('li', null, `${fmtDateTime(x.at)} · ${word('item.history.by', x.by)} · ${word('action', x.action)}`,
    x.detail ? ` · ${detailText(ctx, x.action, x.detail)}` : null);
}

export function render(main, ctx, args) {
  if (args[0] === 'item' && args[1]) return itemView(main, ctx, args[1]);
  if (args[0] === 'q' && args[1]) return queueView(main, ctx, args[1]);
  return overview(main, ctx);
}

export function slaText(q) {
  return q.past_sla > 0
    ? h('span', { class: 'flag-bad' }, t('queue.past_sla', { n: q.past_sla }))
    : h('span', { class: 'flag-ok' }, t('queue.within_sla'));
}

export function queuesTable(ctx, queues, withActions) {
  const cols = [
    { label: t('queue.name'), value: (q) => h('a', { href: `#/queues/q/${encodeURIComponent(q.code)}` }, q.name || ctx.name.queue(q.code)) },
    { label: t('queue.waiting'), num: true, value: (q) => String(q.waiting) },
    { label: t('queue.claimed'), num: true, value: (q) => String(q.claimed) },
    { label: t('queue.scheduled'), num: true, value: (q) => String(q.scheduled) },
    { label: t('queue.oldest'), value: (q) => (q.oldest_wait_s === null || q.oldest_wait_s === undefined ? '—' : fmtSpan(q.oldest_wait_s)) },
    { label: t('queue.sla'), value: slaText },
  ];
  if (withActions) cols.push({ label: t('queue.actions'), value: (q) => withActions(q) });
  return h('div', { class: 'table-wrap' }, table(cols, queues));
}

function overview(main, ctx) {
  const msg = h('div', { 'aria-live': 'polite' });
  const list = h('div');
  const mineBox = h('div');
  const updated = h('p', { class: 'updated' });
  main.append(h('h1', { class: 'screen-title' }, t('nav.queues')), msg, list, updated,
    h('h2', null, t('queue.mine')), mineBox);
  let queues = [];
  let timer = null;

  async function claim(q) {
    msg.replaceChildren();
    try {
      const r = await request('POST', `/v1/queues/${encodeURIComponent(q.code)}/claim`);
      if (r.status === 204 || !r.data) { msg.append(status('info', t('queue.nothing', { q: q.name }))); load(); return; }
      location.hash = `#/queues/item/${r.data.id}`;
    } catch (e) {
      msg.append(status('error', errorText(e)));
    }
  }
  async function load() {
    try {
      queues = (await get('/v1/queues')).queues || [];
      fill(list, queuesTable(ctx, queues, (q) => h('button', {
        type: 'button', class: 'primary', disabled: q.waiting === 0, onclick: () => claim(q),
        'aria-label': t('queue.claim.for', { q: q.name }),
      }, t('queue.claim'))));
      updated.textContent = t('updated', { at: fmtDateTime(new Date().toISOString()) });
      const held = [];
      for (const q of queues) {
        if (!q.claimed) continue;
        const r = await get(`/v1/queues/${encodeURIComponent(q.code)}?state=claimed&limit=100`);
        for (const it of r.items || []) if (it.claimed_by === ctx.session.name) held.push(it);
      }
      fill(mineBox, held.length ? itemsTable(ctx, held) : h('p', { class: 'hint' }, t('queue.mine.none')));
    } catch (e) {
      fill(list, status('error', errorText(e)));
    }
    clearTimeout(timer);
    timer = setTimeout(load, 10000);
  }
  load();
  return () => clearTimeout(timer);
}

function itemsTable(ctx, items) {
  return h('div', { class: 'table-wrap' }, table([
    { label: t('item.id'), value: (i) => h('a', { href: `#/queues/item/${i.id}` }, t('item.open', { id: i.id })) },
    { label: t('item.kind'), value: (i) => kindText(i.kind) },
    { label: t('queue.priority.short'), num: true, value: (i) => String(i.priority) },
    { label: t('item.state'), value: (i) => t(`state.${i.state}`) },
    { label: t('item.due'), value: (i) => fmtDateTime(i.due_at) },
    { label: t('item.wait'), value: (i) => (i.wait_s === null || i.wait_s === undefined ? '—' : fmtSpan(i.wait_s)) },
    { label: t('item.escalation'), value: (i) => (i.escalated ? h('span', { class: 'flag-bad' }, t('item.escalated')) : '') },
    { label: t('field.risk'), value: (i) => (i.call ? riskText(ctx, i.call.risk) : '') },
    { label: t('item.claimed_by'), value: (i) => i.claimed_by || '' },
  ], items));
}

function queueView(main, ctx, code) {
  const box = h('div');
  main.append(h('p', null, h('a', { href: '#/queues' }, t('back.queues'))), box);
  (async () => {
    try {
      const r = await get(`/v1/queues/${encodeURIComponent(code)}?limit=200`);
      box.append(h('h1', { class: 'screen-title' }, r.queue.name || ctx.name.queue(code)),
        queuesTable(ctx, [r.queue]),
        h('h2', null, t('queue.items')),
        r.items.length ? itemsTable(ctx, r.items) : h('p', { class: 'hint' }, t('list.empty')));
    } catch (e) {
      box.append(status('error', errorText(e)));
    }
  })();
}

function itemView(main, ctx, id) {
  const box = h('div');
  const msg = h('div', { 'aria-live': 'polite' });
  main.append(h('p', null, h('a', { href: '#/queues' }, t('back.queues'))), msg, box);
  let tick = null;

  async function act(path, body) {
    msg.replaceChildren();
    try {
      const r = await post(`/v1/queue-items/${encodeURIComponent(id)}/${path}`, body);
      msg.append(status('ok', t(`item.${path}.ok`)));
      draw(r.data);
    } catch (e) {
      msg.append(status('error', errorText(e)));
    }
  }

  function draw(item) {
    clearInterval(tick);
    const me = ctx.session.name;
    const mayAct = item.state === 'claimed' && (item.claimed_by === me || ['supervisor', 'admin'].includes(ctx.session.role));
    const lease = h('span', { class: 'lease', role: 'timer' });
    const update = () => {
      const left = (Date.parse(item.lease_until) - Date.now()) / 1000;
      lease.textContent = left > 0 ? t('item.lease.left', { left: fmtClock(left) }) : t('item.lease.over');
      lease.classList.toggle('low', left < 300);
    };
    const facts = h('dl', { class: 'record' },
      h('dt', null, t('item.queue')), h('dd', null, item.queue_name || ctx.name.queue(item.queue)),
      h('dt', null, t('item.kind')), h('dd', null, kindText(item.kind)),
      h('dt', null, t('queue.priority.short')), h('dd', null, String(item.priority)),
      h('dt', null, t('item.state')), h('dd', null, t(`state.${item.state}`)),
      h('dt', null, t('item.due')), h('dd', null, fmtDateTime(item.due_at)),
      item.escalated ? [h('dt', null, t('item.escalation')), h('dd', null, h('span', { class: 'flag-bad' }, t('item.escalated.at', { at: fmtDateTime(item.escalated_at) })))] : null,
      item.claimed_by ? [h('dt', null, t('item.claimed_by')), h('dd', null, item.claimed_by)] : null,
      item.state === 'claimed' ? [h('dt', null, t('item.lease')), h('dd', null, lease)] : null,
      item.resolution ? [h('dt', null, t('item.resolution')), h('dd', null, item.resolution)] : null,
      item.completed_by ? [h('dt', null, t(item.state === 'cancelled' ? 'item.cancelled_by' : 'item.completed_by')), h('dd', null, `${item.completed_by} · ${fmtDateTime(item.completed_at)}`)] : null,
      // A missed caller's item: their number to its holder alone.
      item.missed ? [
        h('dt', null, t('missed.number')),
        h('dd', null, item.missed.caller_number ? h('strong', { class: 'missed-number' }, item.missed.caller_number)
          : t(item.missed.erased ? 'missed.erased' : 'missed.hidden')),
        h('dt', null, t('missed.tries')),
        h('dd', null, t('missed.tries.value', { n: item.missed.tries, at: fmtDateTime(item.missed.last_at) })),
      ] : null);
    const actions = h('div', { class: 'panel no-print' });
    if (mayAct && item.step) {
      // A plan's step is done by an attempt that reached the caller.
      actions.append(h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => act('renew') }, t('item.renew')),
        h('button', { type: 'button', onclick: () => act('release') }, t('item.release'))));
      update();
      tick = setInterval(update, 1000);
    } else if (mayAct) {
      const res = h('textarea', { rows: 4, maxlength: (ctx.schema.limits && ctx.schema.limits.notes_max_chars) || 4000 });
      const f = h('form', { class: 'complete' }, field(t('item.resolution'), res).wrap,
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'primary' }, t('item.complete')),
          h('button', { type: 'button', onclick: () => act('renew') }, t('item.renew')),
          h('button', { type: 'button', onclick: () => act('release') }, t('item.release'))));
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        if (!res.value.trim()) { msg.replaceChildren(status('error', t('item.resolution.missing'))); res.setAttribute('aria-invalid', 'true'); res.focus(); return; }
        act('complete', { resolution: res.value });
      });
      actions.append(f);
      update();
      tick = setInterval(update, 1000);
    } else if (item.state === 'waiting') {
      actions.append(h('p', { class: 'hint' }, t('item.waiting.hint')));
    } else actions.hidden = true;
    fill(box, 
      h('h1', { class: 'screen-title' }, t('item.title', { id: item.id })),
      h('div', { class: 'panel' }, facts),
      actions,
      item.step && item.call ? planPanel(ctx, item.call.id, {
        item: mayAct ? item : null,
        onItem: async (text) => {
          try { draw(await get(`/v1/queue-items/${encodeURIComponent(id)}`)); msg.replaceChildren(status('ok', text)); } catch (e) { msg.replaceChildren(status('error', errorText(e))); }
        },
      }) : null,
      item.call ? h('div', { class: 'panel' }, h('h2', null, t('call.title', { id: item.call.id })), recordView(ctx, item.call)) : null,
      item.history ? h('div', { class: 'panel' }, h('h2', null, t('item.history')),
        h('ol', { class: 'item-history' }, item.history.map((x) => historyEntry(ctx, x)))) : null);
  }

  (async () => {
    try {
      draw(await get(`/v1/queue-items/${encodeURIComponent(id)}`));
    } catch (e) {
      box.append(status('error', errorText(e)));
    }
  })();
  return () => clearInterval(tick);
}
