// A group of codes to pick from with the keyboard: a <fieldset> of radio
// buttons (one code) or checkboxes (several), each numbered; while the
// focus is in the group, a digit picks (or toggles) that option, 0 the
// tenth. Checkboxes take one Tab stop for the group, arrows move inside
// it, as radio buttons do natively.
import { h, uid } from './dom.js';
import { t } from './i18n.js';

export function choiceGroup({ name, legend, options, multiple, required, onChange, className }) {
  const type = multiple ? 'checkbox' : 'radio';
  const gname = uid(name);
  const errId = uid('err');
  const inputs = [];
  const items = options.map((o, i) => {
    const input = h('input', { type, name: gname, value: o.code, id: uid(name) });
    input.dataset.index = String(i);
    inputs.push(input);
    const key = i < 9 ? String(i + 1) : i === 9 ? '0' : '';
    return h('label', { for: input.id, class: 'choice' }, input,
      key ? h('kbd', { 'aria-hidden': 'true' }, key) : null,
      h('span', null, o.name || o.code));
  });
  const err = h('div', { class: 'field-error', id: errId, role: 'alert' });
  const fs = h('fieldset', { class: `choices ${className || ''}`, 'data-field': name, 'aria-describedby': errId },
    h('legend', null, legend, required ? h('span', { class: 'req' }, ' *', h('span', { class: 'sr' }, t('form.required'))) : null),
    h('div', { class: 'options' }, items), err);

  function changed() { if (onChange) onChange(api.get()); }
  function rove(active) {
    if (!multiple) return;
    inputs.forEach((x) => { x.tabIndex = x === active ? 0 : -1; });
  }
  if (multiple) rove(inputs[0]);

  fs.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    if (/^[0-9]$/.test(e.key)) {
      const idx = e.key === '0' ? 9 : Number(e.key) - 1;
      const input = inputs[idx];
      if (!input) return;
      e.preventDefault();
      if (multiple) input.checked = !input.checked;
      else input.checked = true;
      rove(input);
      input.focus();
      changed();
    } else if (multiple && ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp'].includes(e.key)) {
      const i = inputs.indexOf(document.activeElement);
      if (i < 0) return;
      e.preventDefault();
      const n = (i + (e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : -1) + inputs.length) % inputs.length;
      rove(inputs[n]);
      inputs[n].focus();
    }
  });
  fs.addEventListener('change', changed);
  fs.addEventListener('focusin', (e) => { if (inputs.includes(e.target)) rove(e.target); });

  const api = {
    el: fs,
    get() {
      if (multiple) return inputs.filter((x) => x.checked).map((x) => x.value);
      const c = inputs.find((x) => x.checked);
      return c ? c.value : null;
    },
    set(v) {
      const vals = multiple ? (v || []) : [v];
      inputs.forEach((x) => { x.checked = vals.includes(x.value); });
      const first = inputs.find((x) => x.checked);
      if (first) rove(first);
    },
    focus() {
      (inputs.find((x) => x.checked) || inputs[0]).focus();
    },
    error(text) {
      err.textContent = text || '';
      if (text) fs.setAttribute('aria-invalid', 'true');
      else fs.removeAttribute('aria-invalid');
    },
  };
  return api;
}
