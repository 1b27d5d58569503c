// The console's files as the daemon serves them: the security headers on
// every answer, no inline script or style, ETag and 304, a long cache for
// fingerprinted assets, .gz when accepted, and 404 for every attempt to
// leave web.root (.., encoded dots and slashes, NUL, symlinks outside).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, symlinkSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, WEB_ROOT } from './harness.mjs';

const CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
let d;
let root;
before(async () => {
  // A copy of the built console with links pointing out of it.
  root = mkdtempSync(join(tmpdir(), 'hotline-web-'));
  cpSync(WEB_ROOT, root, { recursive: true });
  symlinkSync('/etc/passwd', join(root, 'passwd.txt'));
  symlinkSync('/etc', join(root, 'etc'));
  d = await new Daemon({ webRoot: root }).start();
  symlinkSync(join(d.tmp, 'hotlined.conf'), join(root, 'assets', 'conf.js'));
});
after(async () => { await d?.close(); rmSync(root, { recursive: true, force: true }); });

function secure(r, what) {
  assert.equal(r.headers['content-security-policy'], CSP, `${what}: CSP`);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
}

const mainScript = () => /src="(\/assets\/index-[^"]+\.js)"/.exec(readFileSync(join(root, 'index.html'), 'utf8'))[1];

test('/ is the console: HTML with the security headers and no inline script or style', async () => {
  const r = await d.http('GET', '/');
  assert.equal(r.status, 200);
  secure(r, '/');
  assert.match(r.headers['content-type'], /^text\/html/);
  assert.ok(r.headers.etag, 'an ETag');
  assert.doesNotMatch(r.text, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
  assert.doesNotMatch(r.text, /<style/i, 'no <style>');
  assert.doesNotMatch(r.text, /\sstyle=/i, 'no style attribute');
  assert.doesNotMatch(r.text, /\son\w+=/i, 'no inline handler');
  assert.doesNotMatch(r.text, /https?:\/\//, 'nothing from elsewhere');
  const again = await d.http('GET', '/', { headers: { 'If-None-Match': r.headers.etag } });
  assert.equal(again.status, 304);
  secure(again, '304');
});

test('fingerprinted assets: the right type, a long cache, 304, and .gz when accepted', async () => {
  const path = mainScript();
  const r = await d.http('GET', path);
  assert.equal(r.status, 200);
  secure(r, path);
  assert.match(r.headers['content-type'], /javascript/);
  const maxAge = Number((/max-age=(\d+)/.exec(r.headers['cache-control'] || '') || [])[1]);
  assert.ok(maxAge >= 86400 * 30, `a long cache: ${r.headers['cache-control']}`);
  const n = await d.http('GET', path, { headers: { 'If-None-Match': r.headers.etag } });
  assert.equal(n.status, 304);
  const gz = await d.http('GET', path, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.match(gz.headers.vary || '', /Accept-Encoding/i);
  assert.deepEqual(gunzipSync(gz.raw), r.raw);
  const css = readdirSync(join(root, 'assets')).find((f) => f.endsWith('.css'));
  const c = await d.http('GET', `/assets/${css}`);
  assert.match(c.headers['content-type'], /^text\/css/);
});

test('every way out of web.root is 404, with the security headers', async () => {
  const paths = [
    '/../hotlined.conf', '/../../etc/passwd', '/..%2fhotlined.conf', '/%2e%2e/hotlined.conf',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/assets/..%2f..%2fhotlined.conf', '/assets/%2e%2e/%2e%2e/hotline.db',
    '/assets/..\\..\\hotlined.conf', '/index.html%00.js', '/%00', '//etc/passwd', '/%2fetc%2fpasswd',
    '/passwd.txt', '/etc/host.conf', '/etc/passwd', '/etc/', '/assets/conf.js', '/assets/', '/assets',
    '/nonexistent.js', '/assets/%2e%2e%2fhotlined.conf', '/.%2e/hotlined.conf',
  ];
  const index = readFileSync(join(root, 'index.html'));
  for (const p of paths) {
    const r = await d.http('GET', p);
    secure(r, p);
    // A path without an extension is the console's own page (its routes
    // live after the #): the page, never the file the path names.
    if (r.status === 200 && !/\.[a-z0-9]+$/i.test(p)) {
      assert.deepEqual(r.raw, index, `${p}: only the console's page`);
      continue;
    }
    assert.equal(r.status, 404, `${p}: ${r.status}`);
    assert.doesNotMatch(r.text, /root:|caller_hash_key|SQLite format/, `${p} leaked`);
  }
});

test('API answers carry the security headers; personal answers are not cached', async () => {
  for (const [m, p, who] of [['GET', '/v1/schema', 'wang'], ['GET', '/v1/calls', 'wang'], ['GET', '/v1/session', null], ['GET', '/v1/whoami', null], ['DELETE', '/v1/nothing', 'wang']]) {
    const r = await d.api(m, p, { who });
    secure(r, `${m} ${p} (${r.status})`);
  }
  const r = await d.api('GET', '/v1/calls', { who: 'wang' });
  assert.match(r.headers['cache-control'] || '', /no-store/);
});
