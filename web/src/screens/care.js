// 关爱登记: the care register. A liaison's people, the most overdue
// first; a person's page with family, calls, contacts and difficulties,
// where a contact is recorded and a difficulty raised or resolved. A
// supervisor sees everyone, by unit, the open difficulties, and imports
// a unit's form (a dry run first, its bad rows listed) or exports them.
import { h, fill, field, status, table } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { get, post, request, qs, ApiError } from '../api.js';
import { fmtDateTime } from '../time.js';

const KINDS = ['visit', 'phone', 'message'];

function namer(list) {
  const m = new Map((list || []).map((x) => [x.code, x.name]));
  return (c) => (c ? m.get(c) || c : '');
}

function names(ctx) {
  const c = ctx.schema.care || {};
  return { team: namer(c.teams), diff: namer(c.difficulties), cat: namer(c.staff_categories), care: c };
}

function select(list, value, empty) {
  return h('select', null, empty ? h('option', { value: '' }, empty) : null,
    (list || []).map((x) => h('option', { value: x.code, selected: x.code === value }, x.name)));
}

function overdueMark(p) {
  return p.overdue ? h('span', { class: 'badge badge-alert' }, t('care.overdue')) : '';
}

export function render(main, ctx, args) {
  if (args[0]) return person(main, ctx, Number(args[0]));
  return list(main, ctx);
}

function list(main, ctx) {
  const n = names(ctx);
  const sup = ctx.session.role !== 'liaison';
  const unit = h('input', { type: 'text', size: 16, autocomplete: 'off' });
  const q = h('input', { type: 'search', size: 12, autocomplete: 'off' });
  const only = h('input', { type: 'checkbox' });
  const form = h('form', { class: 'toolbar' },
    sup ? field(t('care.unit'), unit).wrap : null, field(t('care.search'), q).wrap,
    h('label', { class: 'check' }, only, t('care.only_overdue')),
    h('button', { type: 'submit', class: 'primary' }, t('list.show')));
  const out = h('div', { class: 'table-wrap' });
  const diffs = h('section', { class: 'care-diffs' });
  main.append(h('h1', { class: 'screen-title' }, sup ? t('care.title.all') : t('care.title.mine')), form, out);
  if (sup) main.append(diffs, importPanel(ctx), exportPanel(ctx));
  async function load() {
    try {
      const r = await get(`/v1/care/people${qs({ unit: unit.value.trim(), q: q.value.trim(), overdue: only.checked ? 1 : '', limit: 500 })}`);
      fill(out, r.people.length ? table([
        { label: t('care.name'), value: (p) => h('a', { href: `#/care/${p.id}` }, p.name || t('care.erased')) },
        { label: t('care.unit'), value: (p) => p.unit },
        { label: t('care.team'), value: (p) => n.team(p.team) },
        { label: t('care.liaison'), value: (p) => p.liaison || '' },
        { label: t('care.next_due'), value: (p) => p.next_due || '' },
        { label: t('care.state'), value: overdueMark },
      ], r.people, t('list.count', { n: r.people.length })) : status('info', t('care.none')));
    } catch (e) {
      fill(out, status('error', errorText(e)));
    }
    if (!sup) return;
    try {
      const d = await get('/v1/care/difficulties?state=open&limit=500');
      fill(diffs, h('h2', null, t('care.open_difficulties')), d.difficulties.length ? table([
        { label: t('care.name'), value: (x) => h('a', { href: `#/care/${x.person_id}` }, x.name || t('care.erased')) },
        { label: t('care.unit'), value: (x) => x.unit },
        { label: t('care.category'), value: (x) => n.diff(x.category) },
        { label: t('care.description'), value: (x) => x.description || '' },
        { label: t('care.raised_at'), value: (x) => fmtDateTime(x.raised_at) },
      ], d.difficulties) : status('info', t('care.no_difficulties')));
    } catch (e) {
      fill(diffs, status('error', errorText(e)));
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  load();
}

function importPanel(ctx) {
  const file = h('input', { type: 'file', accept: '.xlsx,.xls,.csv' });
  const dry = h('input', { type: 'checkbox', checked: true });
  const liaison = h('input', { type: 'text', size: 10, autocomplete: 'off' });
  const out = h('div', { class: 'care-import-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'toolbar' },
    field(t('care.import.file'), file).wrap, field(t('care.liaison'), liaison).wrap,
    h('label', { class: 'check' }, dry, t('care.import.dry')),
    h('button', { type: 'submit', class: 'primary' }, t('care.import.go')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!file.files.length) { fill(out, status('error', t('care.import.nofile'))); return; }
    const path = `/v1/care/import${qs({ dry_run: dry.checked ? 1 : '', liaison: liaison.value.trim() })}`;
    let res;
    try {
      res = await request('POST', path, { raw: true, headers: { 'Content-Type': 'application/octet-stream' }, bodyRaw: file.files[0] });
    } catch (err) {
      fill(out, status('error', errorText(err)));
      return;
    }
    const body = await res.json().catch(() => null);
    if (res.ok) {
      fill(out, status('ok', t(body.dry_run ? 'care.import.dry_ok' : 'care.import.ok',
        { rows: body.rows, added: body.added, updated: body.updated })));
    } else if (body && body.problems) {
      fill(out, status('error', t('care.import.bad', { n: body.problems.length })), table([
        { label: t('care.import.row'), num: true, value: (p) => String(p.row) },
        { label: t('care.import.column'), value: (p) => p.column || '' },
        { label: t('care.import.problem'), value: (p) => p.problem },
      ], body.problems));
    } else {
      fill(out, status('error', errorText(new ApiError(res.status, body))));
    }
  });
  return h('section', { class: 'care-import' }, h('h2', null, t('care.import.title')), form, out);
}

function exportPanel(ctx) {
  const unit = h('input', { type: 'text', size: 16, autocomplete: 'off' });
  const layout = h('select', null, ['aid_team', 'frontline', 'in_hubei'].map((l) => h('option', { value: l }, t(`care.layout.${l}`))));
  const format = h('select', null, h('option', { value: 'xlsx' }, 'xlsx'), h('option', { value: 'csv' }, 'CSV'));
  const link = h('a', { href: '/v1/care/export', class: 'button', download: '' }, t('care.export.go'));
  const update = () => { link.setAttribute('href', `/v1/care/export${qs({ unit: unit.value.trim(), layout: layout.value, format: format.value })}`); };
  [unit, layout, format].forEach((el) => el.addEventListener('change', update));
  update();
  return h('section', { class: 'care-export' }, h('h2', null, t('care.export.title')),
    h('div', { class: 'toolbar' }, field(t('care.unit'), unit).wrap, field(t('care.export.layout'), layout).wrap,
      field(t('care.export.format'), format).wrap, link));
}

function person(main, ctx, id) {
  const n = names(ctx);
  const box = h('div');
  main.append(h('p', null, h('a', { href: '#/care' }, t('care.back'))), box);
  async function load(msg) {
    let p;
    try {
      p = await get(`/v1/care/people/${id}`);
    } catch (e) {
      fill(box, status('error', errorText(e)));
      return;
    }
    fill(box,
      h('h1', { class: 'screen-title' }, p.name || t('care.erased'), ' ', overdueMark(p)),
      msg ? status('ok', msg) : null,
      h('dl', { class: 'record' },
        [[t('care.unit'), p.unit], [t('care.team'), n.team(p.team)], [t('care.category'), n.cat(p.category)],
          [t('care.post'), p.post], [t('care.phone'), p.phone], [t('care.liaison'), p.liaison],
          [t('care.plan'), t('care.plan.text', { n: p.every_days, from: p.start_date, to: p.care_ends || t('care.open_end') })],
          [t('care.next_due'), p.next_due]]
          .map(([k, v]) => [h('dt', null, k), h('dd', null, v || '—')])),
      h('h2', null, t('care.family')),
      p.family.length ? table([
        { label: t('care.name'), value: (f) => f.name || '' },
        { label: t('care.relation'), value: (f) => f.relation || '' },
        { label: t('care.phone'), value: (f) => f.phone || '' },
      ], p.family) : status('info', t('care.none')),
      h('h2', null, t('care.contacts')), contactForm(id, load),
      p.contacts.length ? table([
        { label: t('care.at'), value: (c) => fmtDateTime(c.at) },
        { label: t('care.kind'), value: (c) => t(`care.kind.${c.kind}`) },
        { label: t('care.by'), value: (c) => c.by },
        { label: t('care.with'), value: (c) => c.with_whom || '' },
        { label: t('care.note'), value: (c) => c.note || '' },
      ], p.contacts) : status('info', t('care.no_contacts')),
      h('h2', null, t('care.difficulties')), difficultyForm(id, n, load),
      p.difficulties.length ? table([
        { label: t('care.category'), value: (d) => n.diff(d.category) },
        { label: t('care.description'), value: (d) => d.description || '' },
        { label: t('care.state'), value: (d) => t(`care.dstate.${d.state}`) },
        { label: t('care.resolution'), value: (d) => (d.state === 'open' ? resolveButton(d, load) : d.resolution || d.queue || '') },
      ], p.difficulties) : status('info', t('care.no_difficulties')),
      h('h2', null, t('care.calls')),
      p.calls.length ? table([
        { label: t('care.call'), value: (c) => String(c.call_id) },
        { label: t('care.at'), value: (c) => fmtDateTime(c.started_at) },
        { label: t('care.risk'), value: (c) => ctx.name.risk(c.risk) },
      ], p.calls) : status('info', t('care.no_calls')));
  }
  load();
}

function contactForm(id, reload) {
  const kind = h('select', null, KINDS.map((k) => h('option', { value: k }, t(`care.kind.${k}`))));
  const withWhom = h('input', { type: 'text', size: 10 });
  const note = h('input', { type: 'text', size: 30 });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'toolbar' }, field(t('care.kind'), kind).wrap, field(t('care.with'), withWhom).wrap,
    field(t('care.note'), note).wrap, h('button', { type: 'submit', class: 'primary' }, t('care.contact.add')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { kind: kind.value };
    if (withWhom.value.trim()) body.with_whom = withWhom.value.trim();
    if (note.value.trim()) body.note = note.value.trim();
    try {
      const r = await post(`/v1/care/people/${id}/contacts`, body);
      reload(t('care.contact.done', { due: r.data.next_due }));
    } catch (err) {
      fill(out, status('error', errorText(err)));
    }
  });
  return form;
}

function difficultyForm(id, n, reload) {
  const cat = select(n.care.difficulties, 'other');
  const desc = h('input', { type: 'text', size: 30 });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'toolbar' }, field(t('care.category'), cat).wrap, field(t('care.description'), desc).wrap,
    h('button', { type: 'submit' }, t('care.difficulty.add')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post(`/v1/care/people/${id}/difficulties`, { category: cat.value, description: desc.value.trim() });
      reload(t('care.difficulty.done'));
    } catch (err) {
      fill(out, status('error', errorText(err)));
    }
  });
  return form;
}

function resolveButton(d, reload) {
  const text = h('input', { type: 'text', size: 20, 'aria-label': t('care.resolution') });
  const out = h('span', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'button' }, t('care.resolve'));
  btn.addEventListener('click', async () => {
    try {
      await request('PATCH', `/v1/care/difficulties/${d.id}`, { body: { action: 'resolve', resolution: text.value.trim() } });
      reload(t('care.resolved'));
    } catch (err) {
      fill(out, status('error', errorText(err)));
    }
  });
  return h('span', { class: 'inline-form' }, text, btn, out);
}
