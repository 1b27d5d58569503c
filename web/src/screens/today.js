// 今日: the supervisor's view of the day, refreshed every few seconds
// without a reload: calls today per line, the last hour, the queues, and
// the items waiting past their SLA.
import { h, fill, clear, status, table } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { get, qs } from '../api.js';
import { today, fmtTime, fmtDateTime, fmtSpan, isoInZone } from '../time.js';
import { queuesTable } from './queues.js';

const EVERY_MS = 5000;

export function render(main, ctx) {
  const cards = h('div', { class: 'cards' });
  const queues = h('div');
  const late = h('div');
  const updated = h('p', { class: 'updated', 'aria-live': 'off' });
  const err = h('div', { 'aria-live': 'polite' });
  main.append(h('h1', { class: 'screen-title' }, t('nav.today')), err, cards,
    h('h2', null, t('today.queues')), queues,
    h('h2', null, t('today.late')), late, updated);
  let timer = null;
  let stopped = false;

  async function load() {
    try {
      const day = today();
      const now = new Date();
      const [byLine, hour, q] = await Promise.all([
        get(`/v1/stats${qs({ from: day, to: day, by: 'line' })}`),
        get(`/v1/stats${qs({ from: isoInZone(new Date(now.getTime() - 3600e3)), to: isoInZone(new Date(now.getTime() + 1000)), by: 'line' })}`),
        get('/v1/queues'),
      ]);
      if (stopped) return;
      const hourBy = new Map(hour.groups.map((g) => [g.line, g.calls]));
      fill(cards, 
        h('div', { class: 'card' }, h('div', null, t('today.total')), h('div', { class: 'big' }, String(byLine.totals.calls)),
          h('div', { class: 'hint' }, t('today.lasthour', { n: hour.totals.calls }))),
        byLine.groups.map((g) => h('div', { class: 'card' },
          h('div', null, g.line_name || ctx.name.line(g.line)),
          h('div', { class: 'big' }, String(g.calls)),
          h('div', { class: 'hint' }, t('today.lasthour', { n: hourBy.get(g.line) || 0 })))));
      const qs2 = q.queues || [];
      fill(queues, queuesTable(ctx, qs2));
      const lateItems = [];
      for (const x of qs2.filter((y) => y.past_sla > 0)) {
        const r = await get(`/v1/queues/${encodeURIComponent(x.code)}?state=open&limit=200`);
        for (const it of r.items || []) if (it.escalated) lateItems.push(it);
      }
      if (stopped) return;
      fill(late, lateItems.length
        ? h('div', { class: 'table-wrap' }, table([
          { label: t('item.id'), value: (i) => h('a', { href: `#/queues/item/${i.id}` }, t('item.open', { id: i.id })) },
          { label: t('item.queue'), value: (i) => i.queue_name || ctx.name.queue(i.queue) },
          { label: t('item.state'), value: (i) => t(`state.${i.state}`) },
          { label: t('item.due'), value: (i) => fmtDateTime(i.due_at) },
          { label: t('item.wait'), value: (i) => h('span', { class: 'flag-bad' }, fmtSpan(i.wait_s)) },
          { label: t('item.claimed_by'), value: (i) => i.claimed_by || '' },
        ], lateItems))
        : h('p', null, h('span', { class: 'flag-ok' }, t('today.late.none'))));
      err.replaceChildren();
      updated.textContent = t('today.updated', { at: fmtTime(new Date().toISOString()), s: EVERY_MS / 1000 });
    } catch (e) {
      if (!stopped) err.replaceChildren(status('error', errorText(e)));
    }
    if (!stopped) timer = setTimeout(load, EVERY_MS);
  }
  load();
  return () => { stopped = true; clearTimeout(timer); };
}
