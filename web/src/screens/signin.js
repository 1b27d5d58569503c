// 登录: name and password → POST /v1/session. The answer is the
// identity; the session itself is an HttpOnly cookie the page never sees.
import { h, field, status } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { request } from '../api.js';

export function signinForm({ message, onDone }) {
  const name = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div', { class: 'msgs' }, message ? status('info', message) : null);
  const button = h('button', { type: 'submit', class: 'primary' }, t('signin.submit'));
  const form = h('form', { class: 'signin', novalidate: true },
    h('h1', null, t('app.title')),
    h('h2', null, t('signin.title')),
    msg,
    field(t('signin.name'), name).wrap,
    field(t('signin.password'), password).wrap,
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.replaceChildren();
    if (!name.value.trim() || !password.value) {
      msg.append(status('error', t('signin.missing')));
      (name.value.trim() ? password : name).focus();
      return;
    }
    button.disabled = true;
    try {
      const r = await request('POST', '/v1/session', { body: { name: name.value.trim(), password: password.value }, quiet401: true });
      password.value = '';
      onDone(r.data);
    } catch (err) {
      let text;
      if (err.status === 401) text = t('signin.wrong');
      else if (err.status === 429) {
        const after = Number(err.headers && err.headers.get('Retry-After'));
        text = after > 0 ? t('signin.blocked.after', { n: Math.ceil(after / 60) }) : t('signin.blocked');
      } else text = errorText(err);
      msg.append(status('error', text));
      password.value = '';
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { class: 'signin-page' }, form);
}
