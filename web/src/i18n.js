// The string catalogues: zh-CN first, English second. t('key', {n: 3})
// fills {n}; a key missing from English falls back to Chinese, and a key
// missing from both shows itself (tests look for that). Plurals: when n
// is 1 and the catalogue has 'key.one' ("{n} attempt"), that is used
// instead of 'key' ("{n} attempts"); Chinese needs none.
import zh from './i18n/zh-CN.json';
import en from './i18n/en.json';

const catalogues = { 'zh-CN': zh, en };
const KEY = 'hotline.lang';
let lang = 'zh-CN';
try {
  const saved = localStorage.getItem(KEY);
  if (saved && catalogues[saved]) lang = saved;
} catch { /* storage refused: stay in Chinese */ }

export function getLang() { return lang; }
export function languages() { return Object.keys(catalogues); }

export function setLang(l) {
  if (!catalogues[l]) return;
  lang = l;
  try { localStorage.setItem(KEY, l); } catch { /* ignore */ }
  document.documentElement.lang = l;
}

export function t(key, params) {
  const one = params && Number(params.n) === 1 ? catalogues[lang][`${key}.one`] : undefined;
  let s = one !== undefined ? one : catalogues[lang][key];
  if (s === undefined) s = zh[key];
  if (s === undefined) return key;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, p) => (p in params ? String(params[p]) : m));
  }
  return s;
}

// A word that also heads a column or names an option, capitalized in
// English ("day" in "By day", "Day" over a column); Chinese as it is.
export function heading(key, params) {
  const s = t(key, params);
  return lang === 'en' ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

// Whether the catalogue has a key (for optional translations).
export function has(key) {
  return key in catalogues[lang] || key in zh;
}

// The server's error answer in the reader's language: by its error code
// and field where the catalogue knows them, the server's own message after.
export function errorText(err) {
  if (!err) return t('err.unknown');
  if (err.network) return t('err.network');
  const code = err.error || `http_${err.status}`;
  const fieldName = err.field && has(`field.${err.field}`) ? t(`field.${err.field}`) : err.field;
  let s = has(`err.${code}`) ? t(`err.${code}`, { field: fieldName || '' })
    : t('err.status', { status: err.status });
  if (err.message && lang !== 'en' && code !== 'unauthorized' && code !== 'session_ended') {
    s += ` (${err.message})`;
  } else if (err.message && lang === 'en' && !has(`err.${code}`)) {
    s += `: ${err.message}`;
  }
  return s;
}
