// The console's first render on loopback: from navigation start to the
// operator's form on screen, in Debian's chromium, against a fresh
// hotlined serving web/dist. Signed in once; then RUNS page loads, each
// in a new browser context holding only the session cookie (a cold
// cache, as a desk opening the console after a restart), and RUNS with
// the cache warm. Prints the medians. Run by `make web-bench`.
import { Daemon, launch, signIn } from '../tests/browser/harness.mjs';

const RUNS = Number(process.env.RUNS || 10);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const d = await new Daemon().start();
const browser = await launch();
try {
  const first = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const p = await first.newPage();
  await signIn(p, d.url, 'wang');
  const cookies = await first.cookies();
  // The page's own note that this browser holds a session (web/src/main.js).
  const watch = () => {
    try { localStorage.setItem('hotline.session', '1'); } catch { /* opaque origin */ }
    new MutationObserver((_, obs) => {
      if (document.querySelector('form.callform')) { window.__formAt = performance.now(); obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });
  };
  const cold = [];
  for (let i = 0; i < RUNS; i += 1) {
    const c = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    await c.addCookies(cookies);
    await c.addInitScript(watch);
    const page = await c.newPage();
    await page.goto(`${d.url}/#/call`);
    await page.waitForFunction(() => window.__formAt);
    cold.push(await page.evaluate(() => window.__formAt));
    await c.close();
  }
  await first.addInitScript(watch);
  const warm = [];
  for (let i = 0; i < RUNS; i += 1) {
    await p.goto(`${d.url}/#/call`);
    await p.reload();
    await p.waitForFunction(() => window.__formAt);
    warm.push(await p.evaluate(() => window.__formAt));
  }
  console.log(`first render, cold cache: median ${median(cold).toFixed(0)} ms of ${RUNS} (min ${Math.min(...cold).toFixed(0)}, max ${Math.max(...cold).toFixed(0)})`);
  console.log(`first render, warm cache: median ${median(warm).toFixed(0)} ms of ${RUNS} (min ${Math.min(...warm).toFixed(0)}, max ${Math.max(...warm).toFixed(0)})`);
} finally {
  await browser.close();
  await d.close();
}
