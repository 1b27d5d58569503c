// The console's shell: who is signed in, the navigation their role
// allows, the language switch, sign-out, and the router that mounts one
// screen module at a time. The operator's form is in this bundle; every
// other screen is loaded when first opened.
import './style.css';
import { h, fill, clear } from './dom.js';
import { t, getLang, setLang } from './i18n.js';
import { get, request, onUnauthorized } from './api.js';
import { setZone } from './time.js';
import * as outbox from './outbox.js';
import { signinForm } from './screens/signin.js';
import * as callScreen from './screens/call.js';
import { outboxBadge } from './screens/outbox_view.js';
import { modal } from './modal.js';

const SCREENS = {
  call: { label: 'nav.call', roles: ['operator', 'admin'], load: async () => callScreen },
  mine: { label: 'nav.mine', roles: ['operator', 'admin', 'supervisor', 'counselor'], load: () => import('./screens/mine.js') },
  queues: { label: 'nav.queues', roles: ['counselor', 'supervisor', 'admin'], load: () => import('./screens/queues.js') },
  handover: { label: 'nav.handover', roles: ['counselor', 'supervisor', 'admin'], load: () => import('./screens/handover.js') },
  today: { label: 'nav.today', roles: ['supervisor', 'admin'], load: () => import('./screens/today.js') },
  stats: { label: 'nav.stats', roles: ['supervisor', 'admin'], load: () => import('./screens/stats.js') },
  report: { label: 'nav.report', roles: ['supervisor', 'admin'], load: () => import('./screens/report.js') },
  export: { label: 'nav.export', roles: ['supervisor', 'admin'], load: () => import('./screens/export.js') },
  care: { label: 'nav.care', roles: ['liaison', 'supervisor', 'admin'], load: () => import('./screens/care.js') },
  audit: { label: 'nav.audit', roles: ['admin'], load: () => import('./screens/audit.js') },
};
const HOME = { operator: 'call', counselor: 'queues', supervisor: 'today', admin: 'today', liaison: 'care' };

const app = document.getElementById('app');
const state = { session: null, schema: null, cleanup: null, renderSeq: 0 };

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || '', args: parts.slice(1) };
}

export function navigate(path) {
  if (location.hash === `#/${path}`) route();
  else location.hash = `#/${path}`;
}

function names(list) {
  const m = new Map();
  for (const x of list || []) m.set(x.code, x.name);
  return (code) => (code === null || code === undefined ? '' : m.get(code) || code);
}

function context() {
  const s = state.schema || {};
  return {
    session: state.session,
    schema: s,
    navigate,
    name: {
      line: names(s.lines), caller_type: names(s.caller_types), topic: names(s.topics),
      risk: names(s.risk_levels), outcome: names(s.outcomes), queue: names(s.queues),
      call_type: names(s.call_types), gender: names(s.genders), age_band: names(s.age_bands),
    },
  };
}

// Whether this browser may hold a session cookie (the cookie itself is
// HttpOnly): without it, start-up shows sign-in without asking the
// server, whose failed-sign-in count would take the question for a try.
const HINT = 'hotline.session';
function hint(on) {
  try { if (on) localStorage.setItem(HINT, '1'); else localStorage.removeItem(HINT); } catch { /* ignore */ }
}
function hinted() {
  try { return localStorage.getItem(HINT) === '1'; } catch { return true; }
}

async function signedIn(session) {
  hint(true);
  state.session = session;
  state.schema = await get('/v1/schema');
  if (state.schema.timezone) setZone(state.schema.timezone);
  if (['operator', 'admin'].includes(session.role)) outbox.start(session.name);
  shell();
}

function shell() {
  const { session } = state;
  const current = parseRoute().name;
  const nav = h('nav', { class: 'nav', 'aria-label': t('nav.label') },
    h('ul', null, Object.entries(SCREENS)
      .filter(([, s]) => s.roles.includes(session.role))
      .map(([k, s]) => h('li', null, h('a', {
        href: `#/${k}`, 'aria-current': k === current ? 'page' : null,
      }, k === 'mine' && session.role !== 'operator' ? t('nav.calls') : t(s.label))))));
  const other = getLang() === 'zh-CN' ? 'en' : 'zh-CN';
  const header = h('header', { class: 'top' },
    h('div', { class: 'brand' }, t('app.title')),
    nav,
    h('div', { class: 'who' },
      ['operator', 'admin'].includes(session.role) ? outboxBadge(session.name, () => navigate('call')) : null,
      h('span', { class: 'user' }, t('who', { name: session.name, role: t(`role.${session.role}`) })),
      h('button', { type: 'button', class: 'link', lang: other, onclick: () => { setLang(other); shell(); } },
        t('lang.switch')),
      h('button', { type: 'button', class: 'link', onclick: signOut }, t('signout'))));
  const main = h('main', { id: 'main', tabindex: '-1' });
  fill(app, h('a', { class: 'skip', href: '#main-anchor', onclick: (e) => { e.preventDefault(); main.focus(); } }, t('skip')), header, main);
  route();
}

async function route() {
  if (!state.session) return;
  const main = document.getElementById('main');
  if (!main) return;
  const r = parseRoute();
  const role = state.session.role;
  let name = r.name;
  if (!SCREENS[name] || !SCREENS[name].roles.includes(role)) {
    name = HOME[role] || 'mine';
    history.replaceState(null, '', `#/${name}`);
  }
  document.querySelectorAll('.nav a').forEach((a) => {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  if (state.cleanup) { try { state.cleanup(); } catch { /* ignore */ } state.cleanup = null; }
  const seq = ++state.renderSeq;
  fill(main, h('p', { class: 'loading' }, t('loading')));
  let mod;
  try {
    mod = await SCREENS[name].load();
  } catch (e) {
    fill(main, h('p', { class: 'msg msg-error', role: 'alert' }, t('err.load')));
    return;
  }
  if (seq !== state.renderSeq) return;
  clear(main);
  document.title = `${t(SCREENS[name].label)} · ${t('app.title')}`;
  const cleanup = mod.render(main, context(), r.args);
  state.cleanup = typeof cleanup === 'function' ? cleanup : null;
}

async function signOut() {
  const { session } = state;
  const unsent = ['operator', 'admin'].includes(session.role) ? (await outbox.list(session.name)).length : 0;
  if (unsent > 0) {
    const ok = await modal(t('signout.unsent.title'), t('signout.unsent.text', { n: unsent }),
      t('signout.unsent.confirm'), t('cancel'));
    if (!ok) return;
  }
  hint(false);
  outbox.stop();
  try { await request('DELETE', '/v1/session', { quiet401: true }); } catch { /* signed out anyway */ }
  if (state.cleanup) { try { state.cleanup(); } catch { /* ignore */ } state.cleanup = null; }
  state.session = null;
  showSignin(null);
}

function showSignin(message) {
  fill(app, signinForm({ message, onDone: (s) => signedIn(s) }));
  document.title = `${t('signin.title')} · ${t('app.title')}`;
  const first = app.querySelector('input');
  if (first) first.focus();
}

// The session ended under us (idle or absolute timeout, a password
// change): sign in again over the screen, so a form being typed is kept.
let overlay = null;
onUnauthorized(() => {
  if (!state.session || overlay) return;
  outbox.stop();
  hint(false);
  const previous = state.session.name;
  overlay = h('div', { class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('signin.title') },
    signinForm({
      message: t('signin.expired'),
      onDone: async (s) => {
        overlay.remove();
        overlay = null;
        if (s.name === previous) {
          state.session = s;
          if (['operator', 'admin'].includes(s.role)) outbox.start(s.name);
          route();
        } else {
          await signedIn(s);
        }
      },
    }));
  document.body.append(overlay);
  const first = overlay.querySelector('input');
  if (first) first.focus();
});

// Typing in a long call is work: keep the session alive while it goes on.
let lastInput = 0;
let lastPing = Date.now();
document.addEventListener('keydown', () => { lastInput = Date.now(); }, true);
setInterval(() => {
  if (state.session && !overlay && lastInput > lastPing) {
    lastPing = Date.now();
    get('/v1/session').catch(() => {});
  }
}, 4 * 60 * 1000);

window.addEventListener('hashchange', () => route());

async function boot() {
  document.documentElement.lang = getLang();
  if (!hinted()) { showSignin(null); return; }
  try {
    const r = await request('GET', '/v1/session', { quiet401: true });
    await signedIn(r.data);
  } catch (e) {
    if (e.status === 401) hint(false);
    showSignin(e.status === 401 || !e.status ? null : t('err.status', { status: e.status }));
  }
}
boot();
