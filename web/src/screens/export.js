// 导出: the API's export (GET /v1/export) of every call in a range, as
// CSV for Excel and WPS (with a BOM) or JSON. The server records and
// audits each export; the link downloads with the session cookie.
import { h, field } from '../dom.js';
import { t } from '../i18n.js';
import { qs } from '../api.js';
import { today, addDays } from '../time.js';

export function render(main) {
  const from = h('input', { type: 'date', value: addDays(today(), -29) });
  const to = h('input', { type: 'date', value: today() });
  const format = h('select', null, h('option', { value: 'csv' }, t('export.csv')), h('option', { value: 'json' }, t('export.json')));
  const link = h('a', { class: 'button-link primary', href: '/v1/export', download: '' }, t('export.go'));
  function update() {
    link.setAttribute('href', `/v1/export${qs({ from: from.value, to: to.value, format: format.value })}`);
    link.setAttribute('download', `hotline-calls-${from.value}-${to.value}.${format.value}`);
  }
  [from, to, format].forEach((x) => x.addEventListener('change', update));
  update();
  main.append(h('h1', { class: 'screen-title' }, t('nav.export')),
    h('div', { class: 'toolbar' }, field(t('range.from'), from).wrap, field(t('range.to'), to).wrap,
      field(t('export.format'), format).wrap, link),
    h('p', { class: 'hint' }, t('export.hint')));
}
