// A question in the page (a <dialog>), instead of window.confirm: it is
// translated, styled and keyboard-friendly. Resolves true or false.
import { h } from './dom.js';

export function modal(title, text, yes, no) {
  return new Promise((resolve) => {
    const d = h('dialog', { class: 'modal', 'aria-labelledby': 'modal-title' },
      h('h2', { id: 'modal-title' }, title),
      h('p', null, text),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', value: 'yes', onclick: () => d.close('yes') }, yes),
        h('button', { type: 'button', value: 'no', onclick: () => d.close('no') }, no)));
    d.addEventListener('close', () => { d.remove(); resolve(d.returnValue === 'yes'); });
    document.body.append(d);
    d.showModal();
    d.querySelector('button[value="no"]').focus();
  });
}
