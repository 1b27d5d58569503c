// 我的来电 (来电记录 for the other roles): today's calls or a range; one
// call with its history; the operator amends it with If-Match, so a
// change made meanwhile is shown (412), never overwritten.
import { h, fill, append, clear, field, status, table } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { get, request, qs } from '../api.js';
import { today, fmtDateTime, fmtClock } from '../time.js';
import { recordView, riskText, crisisText } from './record_view.js';
import { callForm } from './call_form.js';
import { planPanel } from './plan_view.js';

export function render(main, ctx, args) {
  if (args[0]) return detail(main, ctx, args[0], args[1] === 'edit');
  return listView(main, ctx);
}

function listView(main, ctx) {
  const title = ctx.session.role === 'operator' ? t('nav.mine') : t('nav.calls');
  const from = h('input', { type: 'date', value: sessionStorage.getItem('mine.from') || today() });
  const to = h('input', { type: 'date', value: sessionStorage.getItem('mine.to') || today() });
  const out = h('div', { class: 'table-wrap' });
  const more = h('button', { type: 'button', hidden: true }, t('list.more'));
  let cursor = null;
  let rows = [];
  const form = h('form', { class: 'toolbar' },
    field(t('range.from'), from).wrap, field(t('range.to'), to).wrap,
    h('button', { type: 'submit', class: 'primary' }, t('list.show')),
    h('button', { type: 'button', onclick: () => { from.value = today(); to.value = today(); load(true); } }, t('range.today')));
  form.addEventListener('submit', (e) => { e.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));
  main.append(h('h1', { class: 'screen-title' }, title), form, out, more);

  async function load(fresh) {
    sessionStorage.setItem('mine.from', from.value);
    sessionStorage.setItem('mine.to', to.value);
    if (fresh) { rows = []; cursor = null; }
    const q = { from: from.value, to: to.value, limit: 100, cursor };
    if (ctx.session.role === 'operator') q.operator = ctx.session.name;
    try {
      const r = await get(`/v1/calls${qs(q)}`);
      rows = rows.concat(r.calls);
      cursor = r.next_cursor;
      more.hidden = !cursor;
      draw();
    } catch (e) {
      fill(out, status('error', errorText(e)));
    }
  }
  function draw() {
    if (!rows.length) { fill(out, status('info', t('list.empty'))); return; }
    fill(out, table([
      { label: t('field.id'), value: (c) => h('a', { href: `#/mine/${c.id}` }, t('list.open', { id: c.id })) },
      { label: t('field.started_at'), value: (c) => fmtDateTime(c.started_at) },
      { label: t('field.line'), value: (c) => ctx.name.line(c.line) },
      { label: t('field.caller_type'), value: (c) => ctx.name.caller_type(c.caller_type) },
      { label: t('field.topics'), value: (c) => (c.topics || []).map(ctx.name.topic).join('、') },
      { label: t('field.risk'), value: (c) => riskText(ctx, c.risk) },
      { label: t('field.outcome'), value: (c) => ctx.name.outcome(c.outcome) },
      { label: t('field.duration_s'), num: true, value: (c) => (c.duration_s === null || c.duration_s === undefined ? '' : fmtClock(c.duration_s)) },
      { label: t('field.operator'), value: (c) => c.operator },
      { label: t('field.queue'), value: (c) => (c.queue ? c.queue.name || ctx.name.queue(c.queue.code) : '') },
    ], rows, t('list.count', { n: rows.length })));
  }
  load(true);
}

function historyView(ctx, history) {
  if (!history || !history.length) return h('p', { class: 'hint' }, t('history.none'));
  return h('ol', { class: 'history' }, history.map((x) => h('li', null,
    t('history.entry', { v: x.version, at: fmtDateTime(x.amended_at), by: x.amended_by }),
    h('ul', null, Object.entries(x.changes || {}).map(([k, v]) => h('li', null,
      `${t(`field.${k}`)}${t('sep.item')}`, show(ctx, k, v.from), ' → ', show(ctx, k, v.to)))))));
}

function show(ctx, k, v) {
  if (v === null || v === undefined || v === '') return t('history.empty');
  if (Array.isArray(v)) return v.map((x) => (ctx.name[k === 'topics' ? 'topic' : k] || String)(x)).join('、');
  const crisis = crisisText(k, v);
  if (crisis !== null) return crisis;
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  if (ctx.name[k]) return ctx.name[k](v);
  if (/_at$/.test(k)) return fmtDateTime(v);
  return String(v);
}

// The care register's word on the call: linked to a person (and who is
// their liaison), or a person whose phone the caller's matches, which
// the operator may link.
function careView(ctx, c) {
  const care = c.care || c.care_proposed;
  if (!care) return null;
  const out = h('span', { 'aria-live': 'polite' });
  const mayLink = !c.care && ['operator', 'supervisor', 'admin'].includes(ctx.session.role);
  const btn = mayLink ? h('button', { type: 'button' }, t('care.link')) : null;
  if (btn) {
    btn.addEventListener('click', async () => {
      try {
        await request('POST', `/v1/calls/${c.id}/care-link`, { body: { person_id: care.person_id } });
        ctx.navigate(`mine/${c.id}`);
      } catch (e) {
        fill(out, status('error', errorText(e)));
      }
    });
  }
  return h('div', { class: 'panel care-on-call' },
    h('p', null, t(c.care ? 'care.on_call.linked' : 'care.on_call.proposed', { liaison: care.liaison || '—' })), btn, out);
}

function detail(main, ctx, id, editing) {
  const box = h('div');
  main.append(h('p', null, h('a', { href: '#/mine' }, t('back.list'))), box);
  (async () => {
    let c;
    try {
      c = await get(`/v1/calls/${encodeURIComponent(id)}`);
    } catch (e) {
      box.append(status('error', errorText(e)));
      return;
    }
    const mayAmend = (ctx.session.role === 'operator' && c.operator === ctx.session.name) || ctx.session.role === 'admin';
    if (editing && mayAmend) { amend(box, ctx, c); return; }
    append(box, h('h1', { class: 'screen-title' }, t('call.title', { id: c.id })),
      mayAmend ? h('p', null, h('a', { href: `#/mine/${c.id}/edit`, class: 'button-link' }, t('call.amend'))) : null,
      h('div', { class: 'panel' }, recordView(ctx, c)),
      ['counselor', 'supervisor', 'admin'].includes(ctx.session.role) ? planPanel(ctx, c.id) : null,
      careView(ctx, c),
      h('div', { class: 'panel' }, h('h2', null, t('history.title')), historyView(ctx, c.history)));
  })();
}

const FIELDS = ['line', 'started_at', 'duration_s', 'call_type', 'caller_type', 'gender', 'age_band', 'topics', 'risk',
  'outcome', 'callback_at', 'notes', 'consent', 'caller_name', 'caller_contact', 'caller_number', 'risk_assessment', 'emergency_contacted',
  'ideation_intensity', 'hopelessness', 'screener', 'plan_timeframe', 'safety_plan', 'emergency'];

function same(a, b) {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'string' && typeof b === 'string' && /T\d\d:\d\d/.test(a) && /T\d\d:\d\d/.test(b)) return Date.parse(a) === Date.parse(b);
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== null && a[k] !== undefined).sort();
    const kb = Object.keys(b).filter((k) => b[k] !== null && b[k] !== undefined).sort();
    return same(ka, kb) && ka.every((k) => same(a[k], b[k]));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function amend(box, ctx, c) {
  const form = callForm(ctx, {
    initial: c,
    submitLabel: t('call.amend.save'),
    onSubmit: async (body) => {
      const patch = {};
      for (const k of FIELDS) {
        if (k === 'caller_number') { if (body[k]) patch[k] = body[k]; continue; }
        if (!same(body[k], c[k]) && !(k === 'emergency_contacted' && !body[k] && !c[k])) patch[k] = body[k];
      }
      for (const k of c.redacted || []) delete patch[k];
      for (const k of c.erased || []) if (patch[k] === null) delete patch[k];
      if (!Object.keys(patch).length) { form.message('info', t('call.amend.nothing')); return; }
      try {
        await request('PATCH', `/v1/calls/${c.id}`, { body: patch, headers: { 'If-Match': `"${c.version}"` } });
        location.hash = `#/mine/${c.id}`;
      } catch (e) {
        if (e.status === 412) {
          form.message('error', t('call.amend.conflict'));
          form.el.prepend(h('p', null, h('a', { href: `#/mine/${c.id}` }, t('call.amend.reload'))));
        } else form.showErrors([{ field: e.field || '', text: errorText(e) }]);
      }
    },
  });
  box.append(h('h1', { class: 'screen-title' }, t('call.amend.title', { id: c.id, v: c.version })),
    h('p', null, h('a', { href: `#/mine/${c.id}` }, t('cancel'))), form.el);
  form.focus();
}
