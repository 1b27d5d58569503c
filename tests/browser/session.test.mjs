// Sessions end: after the idle timeout the next request is refused and
// sign-in appears over the form, which keeps what was typed; the call
// saved meanwhile waits in the outbox and is sent once signed in again.
// A reload that changes a user's password ends that user's sessions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Daemon, HOTLINED, launch, open, assertClean, shot, signIn } from './harness.mjs';

let d;
let browser;
before(async () => { d = await new Daemon({ web: '  idle_timeout = "1m";\n' }).start(); browser = await launch(); });
after(async () => { await browser?.close(); await d?.close(); });

test('idle expiry: sign-in over the form, the saved call kept and sent after signing in', { timeout: 180000 }, async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'wang');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  await page.getByRole('radio', { name: '400-8692-525', exact: true }).check();
  await page.getByRole('radio', { name: '职工', exact: true }).check();
  await page.getByRole('checkbox', { name: '工作压力', exact: true }).check();
  await page.getByRole('radio', { name: '低风险', exact: true }).check();
  await page.getByLabel('备注', { exact: true }).fill('加班太多，睡不好。');
  await page.waitForTimeout(62000);
  await page.keyboard.press('Control+Enter');
  await page.getByText('登录已过期，请重新登录。', { exact: false }).waitFor();
  await shot(page, 'session-expired');
  assert.equal((await d.calls()).length, 0);
  const overlay = page.getByRole('dialog', { name: '登录' });
  await overlay.getByLabel('用户名').fill('wang');
  await overlay.getByLabel('密码').fill('dev-operator-wang');
  await overlay.getByRole('button', { name: '登录' }).click();
  await overlay.waitFor({ state: 'detached' });
  await page.getByText(/未发送的来电（.*）已发送/).waitFor({ timeout: 20000 });
  const calls = await d.calls();
  assert.equal(calls.length, 1);
  assert.equal((await d.api('GET', `/v1/calls/${calls[0].id}`)).json.notes, '加班太多，睡不好。');
  await assertClean(page);
  await context.close();
});

test("a reload that changes a user's password ends that user's session", async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'li');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  const conf = join(d.tmp, 'hotlined.conf');
  const line = execFileSync(HOTLINED, ['--new-password', 'li'], { input: 'a-new-password\n' }).toString();
  const hash = /"(\$y\$[^"]+)"/.exec(line)[1];
  const text = readFileSync(conf, 'utf8').replace(/(\{ name = "li";[\s\S]*?password = ")[^"]*(")/, (m, a, b) => a + hash + b);
  writeFileSync(conf, text);
  d.proc.kill('SIGHUP');
  await page.waitForTimeout(1000);
  await page.goto(`${d.url}/#/mine`);
  await page.getByRole('heading', { name: '登录' }).waitFor();
  await signIn(page, d.url, 'li', 'a-new-password');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  await assertClean(page);
  await context.close();
});
