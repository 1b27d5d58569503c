// Another site's page cannot log a call with the operator's cookie. Both
// pages are on 127.0.0.1 (ports differ), so the browser counts them as
// the same site and sends the SameSite=Strict cookie: only the daemon's
// Origin check stands in the way, and it must answer 403.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Daemon, launch, open, signIn, freePort } from './harness.mjs';

let d;
let browser;
let evil;
let evilPort;
before(async () => {
  d = await new Daemon().start();
  browser = await launch();
  evilPort = await freePort();
  const call = JSON.stringify({ line: '400', caller_type: 'medic', topics: ['anxiety'], risk: 'low', notes: 'forged' });
  const page = `<!doctype html><meta charset="utf-8"><title>elsewhere</title>
<form id="f" method="POST" enctype="text/plain" action="${d.url}/v1/calls" target="sink">
<input type="hidden" name='${call.slice(0, -2)}' value='"}'></form>
<iframe name="sink"></iframe>
<script src="/attack.js"></script>`;
  const script = `
window.results = {};
fetch(${JSON.stringify(`${d.url}/v1/calls`)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'Content-Type': 'text/plain' }, body: ${JSON.stringify(call)} })
  .then(() => { window.results.nocors = 'sent'; }, (e) => { window.results.nocors = 'error ' + e; });
fetch(${JSON.stringify(`${d.url}/v1/calls`)}, { method: 'POST', credentials: 'include',
  headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'forged-1' }, body: ${JSON.stringify(call)} })
  .then((r) => { window.results.cors = r.status; }, (e) => { window.results.cors = 'blocked'; });
document.getElementById('f').submit();
`;
  evil = http.createServer((req, res) => {
    if (req.url === '/attack.js') { res.writeHead(200, { 'Content-Type': 'text/javascript' }); res.end(script); return; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise((r) => evil.listen(evilPort, '127.0.0.1', r));
});
after(async () => { evil?.close(); await browser?.close(); await d?.close(); });

test("another origin's page cannot log a call with the operator's session (403), and nothing is stored", async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'wang');
  const attacker = await context.newPage();
  const seen = [];
  attacker.on('response', (r) => {
    if (r.url().endsWith('/v1/calls') && r.request().method() === 'POST') seen.push(r.status());
  });
  await attacker.goto(`http://127.0.0.1:${evilPort}/`);
  await attacker.waitForFunction(() => window.results && window.results.nocors && window.results.cors, null, { timeout: 15000 });
  await attacker.waitForTimeout(1000);
  assert.ok(seen.length >= 2, `the forged requests reached the daemon: ${seen}`);
  for (const s of seen) assert.equal(s, 403, `forged POST answered ${seen}`);
  assert.equal((await d.calls()).length, 0, 'nothing stored');

  // The same cookie from plain HTTP: without an Origin, or another one, 403.
  const cookie = (await context.cookies()).find((c) => c.name === 'hotline_session');
  assert.ok(cookie);
  const body = { line: '400', caller_type: 'medic', topics: ['anxiety'], risk: 'low' };
  const headers = (extra) => ({ Cookie: `hotline_session=${cookie.value}`, 'Idempotency-Key': `k-${Math.random()}`, ...extra });
  let r = await d.http('POST', '/v1/calls', { body, headers: headers({}) });
  assert.equal(r.status, 403, r.text);
  r = await d.http('POST', '/v1/calls', { body, headers: headers({ Origin: `http://127.0.0.1:${evilPort}` }) });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error, 'forbidden_origin');
  r = await d.http('POST', '/v1/calls', { body, headers: headers({ Origin: 'null' }) });
  assert.equal(r.status, 403, r.text);
  assert.equal((await d.calls()).length, 0, 'nothing stored');
  // A read needs no Origin; the console's own origin may write.
  r = await d.http('GET', '/v1/whoami', { headers: headers({}) });
  assert.equal(r.status, 200, r.text);
  r = await d.http('POST', '/v1/calls', { body, headers: headers({ Origin: d.url }) });
  assert.equal(r.status, 201, r.text);
  await context.close();
});
