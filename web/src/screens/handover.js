// 交接班: what the shift now starting must know (GET /v1/handover): open
// items at high risk and above by due time, the items the leaving
// counselors still hold, items escalated or with failed attempts in the
// leaving shift, and emergencies not yet confirmed. For counselors,
// supervisors and admins; another moment can be looked at.
import { h, fill, field, status, table } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { get, qs } from '../api.js';
import { fmtDateTime, parseTyped } from '../time.js';
import { riskText, kindText } from './record_view.js';

function itemsTable(ctx, items) {
  if (!items.length) return h('p', { class: 'hint' }, t('handover.empty'));
  return h('div', { class: 'table-wrap' }, table([
    { label: t('item.id'), value: (i) => h('a', { href: `#/queues/item/${i.id}` }, t('item.open', { id: i.id })) },
    { label: t('item.queue'), value: (i) => i.queue_name || ctx.name.queue(i.queue) },
    { label: t('item.kind'), value: (i) => kindText(i.kind) },
    { label: t('item.state'), value: (i) => t(`state.${i.state}`) },
    { label: t('item.due'), value: (i) => fmtDateTime(i.due_at) },
    { label: t('measure.attempts'), num: true, value: (i) => (i.step ? String(i.attempts) : '') },
    { label: t('item.escalation'), value: (i) => (i.escalated ? h('span', { class: 'flag-bad' }, t('item.escalated')) : '') },
    { label: t('field.risk'), value: (i) => (i.call ? riskText(ctx, i.call.risk) : '') },
    { label: t('item.claimed_by'), value: (i) => i.claimed_by || '' },
  ], items));
}

function emergenciesTable(ctx, list) {
  if (!list.length) return h('p', { class: 'hint' }, t('handover.empty'));
  return h('div', { class: 'table-wrap' }, table([
    { label: t('field.id'), value: (c) => h('a', { href: `#/mine/${c.call_id}` }, t('handover.call', { id: c.call_id })) },
    { label: t('field.started_at'), value: (c) => fmtDateTime(c.started_at) },
    { label: t('field.line'), value: (c) => ctx.name.line(c.line) },
    { label: t('field.risk'), value: (c) => riskText(ctx, c.risk) },
    { label: t('field.operator'), value: (c) => c.operator },
    { label: t('field.emergency'), value: (c) => (c.emergency ? `${t(`agency.${c.emergency.agency}`)} · ${fmtDateTime(c.emergency.contacted_at)}${c.emergency.reference ? ` · ${c.emergency.reference}` : ''}` : '') },
    { label: t('handover.confirmed'), value: (c) => (c.emergency ? t(`outcome.emergency.${c.emergency.confirmed}`) : '') },
  ], list));
}

export function render(main, ctx) {
  const at = h('input', { type: 'text', autocomplete: 'off', size: 18, placeholder: 'YYYY-MM-DD HH:MM' });
  const form = h('form', { class: 'toolbar no-print' }, field(t('handover.at'), at).wrap,
    h('button', { type: 'submit', class: 'primary' }, t('handover.show')));
  const out = h('div', { class: 'handover' });
  main.append(h('h1', { class: 'screen-title' }, t('nav.handover')), form, out);

  async function load() {
    const when = at.value.trim() ? parseTyped(at.value) : null;
    if (at.value.trim() && !when) { fill(out, status('error', t('form.time.bad', { field: t('handover.at') }))); return; }
    fill(out, h('p', { class: 'loading' }, t('loading')));
    try {
      const r = await get(`/v1/handover${qs({ at: when })}`);
      const sec = (key, body) => h('section', { class: 'panel', 'data-list': key }, h('h2', null, t(`handover.${key}`)), body);
      fill(out,
        h('p', null, h('strong', null, t('handover.title', { at: fmtDateTime(r.shift.starts_at) })), ' · ',
          t('handover.leaving', { at: fmtDateTime(r.shift.leaving_from) })),
        sec('high_risk', itemsTable(ctx, r.high_risk_open || [])),
        sec('held', itemsTable(ctx, r.held || [])),
        sec('escalated_or_failed', itemsTable(ctx, r.escalated_or_failed || [])),
        sec('emergencies_pending', emergenciesTable(ctx, r.emergencies_pending || [])));
    } catch (e) {
      fill(out, status('error', errorText(e)));
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  load();
}
