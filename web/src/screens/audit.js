// 审计: the audit trail (admin only), newest first, with filters on who,
// what and when, a page at a time. Each row in words: the action, the
// role, the daemon as 系统, and the detail (details.js).
import { h, fill, field, status, table } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { get, qs } from '../api.js';
import { fmtDateTime, today, addDays } from '../time.js';
import { detailText, word } from '../details.js';

// The daemon's actions (daemon/audit.c), in its order.
const ACTIONS = ['call.read', 'call.list', 'call.amend', 'export', 'item.claim', 'item.complete', 'item.release', 'item.renew',
  'item.expire', 'item.escalate', 'item.attempt', 'plan.end', 'item.number',
  'care.read', 'care.list', 'care.create', 'care.update', 'care.contact', 'care.difficulty', 'care.resolve',
  'care.hand', 'care.link', 'care.end_date', 'care.import', 'care.export',
  'auth.fail', 'auth.signin', 'auth.signout'];

export function render(main, ctx) {
  const who = h('input', { type: 'text', size: 12, autocomplete: 'off' });
  const action = h('select', null, h('option', { value: '' }, t('audit.any')),
    ACTIONS.map((a) => h('option', { value: a }, `${a} · ${t(`audit.action.${a}`)}`)));
  const since = h('input', { type: 'date', value: addDays(today(), -6) });
  const until = h('input', { type: 'date', value: today() });
  const form = h('form', { class: 'toolbar' },
    field(t('audit.who'), who).wrap, field(t('audit.action'), action).wrap,
    field(t('audit.since'), since).wrap, field(t('audit.until'), until).wrap,
    h('button', { type: 'submit', class: 'primary' }, t('list.show')));
  const out = h('div', { class: 'table-wrap' });
  const more = h('button', { type: 'button', hidden: true }, t('list.more'));
  main.append(h('h1', { class: 'screen-title' }, t('nav.audit')), form, out, more);
  let rows = [];
  let cursor = null;
  async function load(fresh) {
    if (fresh) { rows = []; cursor = null; }
    try {
      const r = await get(`/v1/audit${qs({ who: who.value.trim(), action: action.value, since: since.value, until: until.value, limit: 100, cursor })}`);
      rows = rows.concat(r.audit);
      cursor = r.next_cursor;
      more.hidden = !cursor;
      fill(out, rows.length ? table([
        { label: t('audit.at'), value: (a) => fmtDateTime(a.at) },
        { label: t('audit.who'), value: (a) => word('item.history.by', a.who) },
        { label: t('audit.role'), value: (a) => word('role', a.role) },
        { label: t('audit.peer'), value: (a) => a.peer },
        { label: t('audit.action'), value: (a) => h('span', { title: a.action }, word('audit.action', a.action)) },
        { label: t('audit.call'), num: true, value: (a) => (a.call_id === null ? '' : String(a.call_id)) },
        { label: t('audit.item'), num: true, value: (a) => (a.item_id === null ? '' : String(a.item_id)) },
        { label: t('audit.detail'), value: (a) => detailText(ctx, a.action, a.detail) },
      ], rows, t('list.count', { n: rows.length })) : status('info', t('list.empty')));
    } catch (e) {
      fill(out, status('error', errorText(e)));
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));
  load(true);
}
