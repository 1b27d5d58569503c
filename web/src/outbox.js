// The outbox: a call is written to IndexedDB before it is sent, and
// leaves only when the server has acknowledged it (201, or 200 for a
// retry it had already stored). It is sent again with the same
// Idempotency-Key until then, across reloads and browser restarts, so a
// call is never lost and never stored twice. A 4xx answer (other than
// 401 and 429, which say "later") keeps it, with the server's error, for
// the operator to see. Entries belong to the user who wrote them: only
// that user's are listed and sent.
import { request } from './api.js';

const DB = 'hotline-console';
const STORE = 'outbox';
let dbp = null;

function open() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const rq = indexedDB.open(DB, 1);
      rq.onupgradeneeded = () => {
        const s = rq.result.createObjectStore(STORE, { keyPath: 'key' });
        s.createIndex('user', 'user');
      };
      rq.onsuccess = () => resolve(rq.result);
      rq.onerror = () => { dbp = null; reject(rq.error); };
    });
  }
  return dbp;
}

async function tx(mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const x = db.transaction(STORE, mode);
    const s = x.objectStore(STORE);
    let out;
    Promise.resolve(fn(s)).then((v) => { out = v; });
    x.oncomplete = () => resolve(out);
    x.onerror = () => reject(x.error);
    x.onabort = () => reject(x.error);
  });
}

const req = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

export const events = new EventTarget();
function changed() { events.dispatchEvent(new Event('change')); }

export async function list(user) {
  if (!user) return [];
  const rows = await tx('readonly', (s) => req(s.index('user').getAll(user)));
  return rows.sort((a, b) => a.created - b.created);
}

export async function add(user, key, body) {
  const entry = { key, user, body, created: Date.now(), state: 'pending', error: null, attempts: 0 };
  await tx('readwrite', (s) => req(s.put(entry)));
  changed();
  return entry;
}

export async function remove(key) {
  await tx('readwrite', (s) => req(s.delete(key)));
  changed();
}

async function put(entry) {
  await tx('readwrite', (s) => req(s.put(entry)));
}

// Sending: one loop for the signed-in user.
let current = null;      // user whose entries are sent
let timer = null;
let delay = 2000;
const inflight = new Set();

export function start(user) {
  current = user;
  delay = 2000;
  kick();
}
export function stop() {
  current = null;
  clearTimeout(timer);
  timer = null;
}

export function kick() {
  clearTimeout(timer);
  timer = setTimeout(flush, 0);
}

function later() {
  clearTimeout(timer);
  timer = setTimeout(flush, delay);
  delay = Math.min(delay * 2, 30000);
}

// Send one entry; resolves to the stored record or null when it stays.
export async function send(entry) {
  if (inflight.has(entry.key)) return null;
  inflight.add(entry.key);
  try {
    const r = await request('POST', '/v1/calls', { body: entry.body, headers: { 'Idempotency-Key': entry.key } });
    await remove(entry.key);
    events.dispatchEvent(new CustomEvent('sent', { detail: { key: entry.key, record: r.data } }));
    return r.data;
  } catch (e) {
    entry.attempts += 1;
    entry.last_try = Date.now();
    const retry = e.network || e.status >= 500 || e.status === 401 || e.status === 429 || e.status === 408;
    if (!retry) {
      entry.state = 'rejected';
      entry.error = { status: e.status, error: e.error || null, field: e.field || null, message: e.message || '' };
    } else {
      entry.error = e.network ? { network: true } : { status: e.status, error: e.error || null, field: e.field || null, message: e.message || '' };
    }
    const still = await tx('readonly', (s) => req(s.get(entry.key)));
    if (still) await put(entry);
    changed();
    if (e.status === 401) stop();
    return null;
  } finally {
    inflight.delete(entry.key);
  }
}

async function flush() {
  timer = null;
  const user = current;
  if (!user) return;
  let pending;
  try {
    pending = (await list(user)).filter((x) => x.state === 'pending');
  } catch {
    return;
  }
  let failed = false;
  for (const entry of pending) {
    if (current !== user) return;
    const ok = await send(entry);
    if (!ok) { failed = true; if (entry.error && entry.error.network) break; }
  }
  if (current !== user) return;
  const left = (await list(user)).some((x) => x.state === 'pending');
  if (left && failed) later();
  else if (left) kick();
  else delay = 2000;
}

window.addEventListener('online', () => { if (current) { delay = 2000; kick(); } });
