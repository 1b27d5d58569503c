// The browser tests' harness: a fresh hotlined per test file, in a
// private temporary directory on an ephemeral port, serving the built
// console (web/dist) from web.root; Debian's chromium driven through
// playwright-core. Each page is watched for dialogs (alert, confirm),
// Content-Security-Policy violations and script errors: any of them
// fails the test that opened it. Screenshots go to build/screenshots/.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';
import assert from 'node:assert/strict';

export const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HOTLINED = process.env.HOTLINED_BIN || join(TOP, 'daemon', 'hotlined');
export const WEB_ROOT = process.env.HOTLINE_WEB_ROOT || join(TOP, 'web', 'dist');
export const SHOTS = join(TOP, 'build', 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const requireWeb = createRequire(join(TOP, 'web', 'package.json'));
const { chromium } = requireWeb('playwright-core');

// conf/dev.conf's development users: each password is the user's token.
export const USERS = {
  wang: 'dev-operator-wang', li: 'dev-operator-li', zhao: 'dev-counselor-zhao',
  zhou: 'dev-counselor-zhou', chen: 'dev-supervisor-chen', ops: 'dev-admin-ops',
  sun: 'dev-liaison-sun', wu: 'dev-liaison-wu',
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

// conf/dev.conf with the store in the test's directory, the API on
// port, no status listener, retention off, web.root at the built
// console; limits replaced when given; web adds settings to web = {};
// extra is appended (whole settings such as crisis = { ... };); edit, a
// function, changes the text last.
export function makeConfig(port, { limits, web, webRoot, extra, edit } = {}) {
  let text = readFileSync(join(TOP, 'conf', 'dev.conf'), 'utf8');
  const sub = (re, repl) => {
    const next = text.replace(re, () => repl);
    assert.notEqual(next, text, `dev.conf: nothing matches ${re}`);
    text = next;
  };
  sub(/\bpath = "[^"]*";/, 'path = "hotline.db";');
  sub(/\napi = \{[\s\S]*?\};/, `\napi = {\n  listen = [ "unix:api.sock", "tcp:127.0.0.1:${port}" ];\n  socket_mode = "0666";\n};`);
  sub(/\nstatus = \{[\s\S]*?\};/, '\n');
  sub(/\nretention = \{[\s\S]*?\n\};/, '\nretention = {\n  personal_days = 0;\n};');
  if (limits) {
    sub(/\nlimits = \{[\s\S]*?\};/, `\nlimits = {\n${Object.entries(limits).map(([k, v]) => `  ${k} = ${v};\n`).join('')}};`);
  }
  const block = `\nweb = {\n  root = "${webRoot || WEB_ROOT}";\n${web || ''}};\n`;
  if (/\nweb = \{[\s\S]*?\};/.test(text)) text = text.replace(/\nweb = \{[\s\S]*?\};\n?/, () => block);
  else text += block;
  text += extra || '';
  return edit ? edit(text) : text;
}

export const DEV_LIMITS = {
  max_body_bytes: 65536, max_header_bytes: 8192, timeout_s: 30, notes_max_chars: 4000,
  list_max: 500, max_connections: 1000, max_connections_per_peer: 1000, rate_per_s: 0,
};

export class Daemon {
  constructor(opts = {}) {
    this.opts = opts;
    this.tmp = mkdtempSync(join(tmpdir(), 'hotlined-browser-'));
    this.proc = null;
    this.log = '';
  }

  async start() {
    if (!this.port) {
      this.port = await freePort();
      writeFileSync(join(this.tmp, 'hotlined.conf'), makeConfig(this.port, this.opts));
    }
    const args = ['-f', '-c', 'hotlined.conf'];
    if (process.getuid && process.getuid() === 0) args.unshift('--allow-root');
    this.proc = spawn(HOTLINED, args, { cwd: this.tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve({ code, sig })));
    const deadline = Date.now() + 20000;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`hotlined exited at start-up:\n${this.log}`);
      try {
        const r = await this.http('GET', '/v1/schema', { who: 'wang', apiPort: this.apiPort() });
        if (r.status === 200) break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error(`hotlined did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this;
  }

  apiPort() { return this.port; }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async stop() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    if (p.exitCode === null) p.kill('SIGTERM');
    const { code, sig } = await this.exited;
    assert.equal(code, 0, `hotlined exited ${code} ${sig || ''} on SIGTERM:\n${this.log}`);
  }

  async close() {
    await this.stop();
    rmSync(this.tmp, { recursive: true, force: true });
  }

  // Plain HTTP: who's bearer token, or a cookie and an Origin of your own.
  http(method, path, { who, body, headers, apiPort } = {}) {
    const h = { ...(headers || {}) };
    if (who) h.Authorization = `Bearer ${USERS[who] || who}`;
    let data = null;
    if (body !== undefined) {
      data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      if (!h['Content-Type']) h['Content-Type'] = 'application/json';
    }
    return new Promise((resolve, reject) => {
      const rq = http.request({ host: '127.0.0.1', port: apiPort || this.port, path, method, headers: h }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          let json = null;
          try { json = JSON.parse(raw.toString('utf8')); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, headers: res.headers, raw, text: raw.toString('utf8'), json });
        });
      });
      rq.on('error', reject);
      rq.setTimeout(15000, () => rq.destroy(new Error('timeout')));
      if (data) rq.write(data);
      rq.end();
    });
  }

  api(method, path, opts = {}) { return this.http(method, path, { who: 'chen', ...opts, apiPort: this.apiPort() }); }

  async calls(who = 'chen') {
    const r = await this.api('GET', '/v1/calls?from=2000-01-01&to=2100-01-01&limit=500', { who });
    assert.equal(r.status, 200, r.text);
    return r.json.calls;
  }
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--lang=zh-CN'],
    env: { ...process.env, LANGUAGE: 'zh_CN:zh', LANG: 'zh_CN.UTF-8' },
  });
}

// A context as a desk would have it (1366×768, Chinese, Shanghai), and
// a page that records what must never happen.
export async function open(browser, { viewport, deviceScaleFactor, locale } = {}) {
  const context = await browser.newContext({
    viewport: viewport || { width: 1366, height: 768 },
    deviceScaleFactor: deviceScaleFactor || 1,
    locale: locale || 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  page.on('dialog', (d) => { problems.push(`dialog: ${d.type()} ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.problems = problems;
  return { context, page };
}

// Nothing went wrong on the page: no dialog, no CSP report, no error.
export async function assertClean(page) {
  let csp = [];
  try { csp = await page.evaluate(() => window.__csp || []); } catch { /* page gone */ }
  assert.deepEqual([...page.problems, ...csp.map((c) => `CSP: ${c}`)], []);
}

export async function shot(page, name, opts = {}) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: opts.fullPage !== false });
}

export async function signIn(page, url, name, password) {
  await page.goto(`${url}/`);
  await page.getByLabel('用户名').fill(name);
  await page.getByLabel('密码').fill(password ?? USERS[name]);
  await page.getByRole('button', { name: '登录' }).click();
  try {
    await page.locator('header.top').waitFor({ timeout: 15000 });
  } catch (e) {
    await shot(page, `failed-signin-${name}`);
    throw e;
  }
}
