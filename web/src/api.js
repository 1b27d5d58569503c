// The /v1 API from the browser: same origin, the session cookie, JSON.
// Every failure is thrown as an ApiError with the server's error object
// (or network: true when no answer came).

export class ApiError extends Error {
  constructor(status, body, network) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.network = !!network;
    Object.assign(this, body || {});
    this.message = body && body.message ? body.message : '';
  }
}

const listeners = { unauthorized: [] };
// Called on a 401 from anything but the sign-in itself: the session ended.
export function onUnauthorized(fn) { listeners.unauthorized.push(fn); }

export async function request(method, path, { body, bodyRaw, headers, raw, quiet401 } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...(headers || {}) }, cache: 'no-store' };
  if (bodyRaw !== undefined) init.body = bodyRaw; // a file as it is
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json; charset=utf-8';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, null, true);
  }
  if (raw) return res;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text.slice(0, 200) }; }
  }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) listeners.unauthorized.forEach((fn) => fn());
    const err = new ApiError(res.status, data);
    err.headers = res.headers;
    throw err;
  }
  return { status: res.status, data, headers: res.headers };
}

export const get = (p, o) => request('GET', p, o).then((r) => r.data);
export const post = (p, body, o) => request('POST', p, { ...(o || {}), body });

// A query string from an object, leaving out empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
