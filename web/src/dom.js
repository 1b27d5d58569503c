// Building the page: every text goes in through textContent, never as
// markup, so a caller's words can only ever show as words.

// h('p', {class: 'x', for: 'id', onclick: fn}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'class') {
        el.className = v;
      } else if (k === 'dataset') {
        Object.assign(el.dataset, v);
      } else if (k === 'value' || k === 'checked' || k === 'disabled' ||
                 k === 'selected' || k === 'hidden') {
        el[k] = v;
      } else if (k === 'href' && !/^(#|\/)/.test(String(v))) {
        throw new Error('only local links');
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let seq = 0;
// A unique id for tying a <label for> to its field.
export function uid(prefix) {
  seq += 1;
  return `${prefix || 'f'}-${seq}`;
}

// A labelled field: returns {wrap, input}.
export function field(labelText, input, hint) {
  if (!input.id) input.id = uid('f');
  const wrap = h('div', { class: 'field' },
    h('label', { for: input.id }, labelText), input);
  if (hint) {
    const hid = uid('hint');
    input.setAttribute('aria-describedby', hid);
    wrap.append(h('div', { class: 'hint', id: hid }, hint));
  }
  return { wrap, input };
}

// A table from column definitions [{label, value: row => text|Node}].
export function table(columns, rows, caption) {
  const thead = h('thead', null, h('tr', null,
    columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label))));
  const tbody = h('tbody', null, rows.map((r) => h('tr', null,
    columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.value(r))))));
  return h('table', { class: 'grid' },
    caption ? h('caption', null, caption) : null, thead, tbody);
}

// A message line that assistive technology reads out when it changes.
export function status(kind, text) {
  return h('p', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { class: 'msg-mark', 'aria-hidden': 'true' },
      kind === 'error' ? '✖ ' : kind === 'ok' ? '✔ ' : 'ℹ '),
    text);
}

// Empties el and puts children in (null and false are left out).
export function fill(el, ...children) {
  return append(clear(el), children);
}
