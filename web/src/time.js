// Times in the hotline's configured timezone (from /v1/schema), whatever
// the desk's own clock zone is: the server stores UTC and counts days in
// that zone, so the console shows and asks for times in it too.
import { t } from './i18n.js';

let zone = 'Asia/Shanghai';
const cache = new Map();

export function setZone(z) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: z });
    zone = z;
    cache.clear();
  } catch { /* unknown zone: keep the default */ }
}
export function getZone() { return zone; }

function parts(date) {
  let f = cache.get('parts');
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    cache.set('parts', f);
  }
  const o = {};
  for (const p of f.formatToParts(date)) o[p.type] = p.value;
  return o;
}

// Minutes east of UTC in the zone at that instant.
function offsetAt(date) {
  const p = parts(date);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
}

function offsetText(min) {
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

// RFC 3339 with the zone's offset, to the second.
export function isoInZone(date) {
  const p = parts(date);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offsetText(offsetAt(date))}`;
}
export const nowIso = () => isoInZone(new Date());

// "YYYY-MM-DDTHH:MM" (a datetime-local value, read in the zone) → RFC 3339.
export function localInputToIso(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v || '');
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let guess = new Date(wall - offsetAt(new Date(wall)) * 60000);
  guess = new Date(wall - offsetAt(guess) * 60000);
  return isoInZone(guess);
}

export function isoToLocalInput(iso) {
  if (!iso) return '';
  const p = parts(new Date(iso));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

export function today() {
  const p = parts(new Date());
  return `${p.year}-${p.month}-${p.day}`;
}

export function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const x = new Date(Date.UTC(y, m - 1, d + n));
  return x.toISOString().slice(0, 10);
}

export function fmtDateTime(iso) {
  if (!iso) return '';
  const p = parts(new Date(iso));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
export function fmtTime(iso) {
  if (!iso) return '';
  const p = parts(new Date(iso));
  return `${p.hour}:${p.minute}:${p.second}`;
}

// 65 → "1:05", 3725 → "1:02:05".
export function fmtClock(s) {
  if (s === null || s === undefined || Number.isNaN(s)) return '';
  s = Math.max(0, Math.floor(s));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

// A wait or an age in words: "3 分钟", "2 小时 5 分钟".
export function fmtSpan(s) {
  if (s === null || s === undefined) return '—';
  s = Math.max(0, Math.floor(s));
  if (s < 60) return t('span.seconds', { n: s });
  if (s < 3600) return t('span.minutes', { n: Math.floor(s / 60) });
  if (s < 86400) return t('span.hours', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('span.days', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

// What an operator types for a time, read in the zone: "2030-12-31
// 10:00" (also with / or . between the date's parts, or a T), or
// "12-31 10:00" in the current year. Returns RFC 3339, or null.
export function parseTyped(text) {
  const s = (text || '').trim();
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+|$)(\d{1,2})?(?:[:：时](\d{2}))?分?$/.exec(s);
  let y; let mo; let d; let hh; let mm;
  if (m) [, y, mo, d, hh, mm] = m;
  else {
    m = /^(\d{1,2})[-/.月](\d{1,2})日?[ T]+(\d{1,2})[:：时](\d{2})分?$/.exec(s);
    if (!m) return null;
    [, mo, d, hh, mm] = m;
    y = today().slice(0, 4);
  }
  if (hh === undefined) return null;
  mm = mm || '00';
  const p2 = (x) => String(x).padStart(2, '0');
  if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +hh > 23 || +mm > 59) return null;
  return localInputToIso(`${y}-${p2(mo)}-${p2(d)}T${p2(hh)}:${mm}`);
}

export function fmtTyped(iso) {
  return iso ? isoToLocalInput(iso).replace('T', ' ') : '';
}
