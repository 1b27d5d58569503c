// Signing in and out: the right password, a wrong one (said in Chinese),
// a peer locked out after repeated failures (429), signing out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, launch, open, assertClean, shot, signIn, DEV_LIMITS } from './harness.mjs';

let d;
let browser;
before(async () => {
  d = await new Daemon({ limits: { ...DEV_LIMITS, auth_failures: 4, auth_window_s: 60, auth_block_s: 120 } }).start();
  browser = await launch();
});
after(async () => { await browser?.close(); await d?.close(); });

test('sign-in with the right password shows the operator form; sign-out returns to sign-in', async () => {
  const { context, page } = await open(browser);
  await page.goto(`${d.url}/`);
  await page.getByRole('heading', { name: '登录' }).waitFor();
  await shot(page, 'signin');
  await signIn(page, d.url, 'wang');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  assert.match(await page.locator('header .user').textContent(), /wang（接线员）/);
  // The session is a cookie the page cannot read.
  assert.equal(await page.evaluate(() => document.cookie), '');
  const cookies = await context.cookies();
  const c = cookies.find((x) => x.name === 'hotline_session');
  assert.ok(c, 'a session cookie');
  assert.equal(c.httpOnly, true);
  assert.equal(c.sameSite, 'Strict');
  // A reload keeps the session.
  await page.reload();
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('heading', { name: '登录' }).waitFor();
  const r = await page.evaluate(async () => (await fetch('/v1/session')).status);
  assert.equal(r, 401);
  await assertClean(page);
  await context.close();
});

test('each role lands on its own screen, in English too', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'zhao');
  await page.getByRole('heading', { name: '转介队列' }).waitFor();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Queues' }).waitFor();
  await shot(page, 'queues-en');
  await page.getByRole('button', { name: '中文' }).click();
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('heading', { name: '登录' }).waitFor();
  await signIn(page, d.url, 'chen');
  await page.getByRole('heading', { name: '今日' }).waitFor();
  await assertClean(page);
  await context.close();
});

test('a wrong password is refused in Chinese, then the address is locked out (429)', async () => {
  const { context, page } = await open(browser);
  await page.goto(`${d.url}/`);
  await page.getByLabel('用户名').fill('wang');
  await page.getByLabel('密码').fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('用户名或密码不正确。').waitFor();
  await shot(page, 'signin-wrong');
  let blocked = false;
  for (let i = 0; i < 8 && !blocked; i += 1) {
    await page.getByLabel('密码').fill(`wrong-${i}`);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForTimeout(150);
    blocked = await page.getByText(/登录失败次数过多/).isVisible();
  }
  assert.ok(blocked, 'locked out after repeated failures');
  await shot(page, 'signin-locked');
  // Locked out means even the right password is refused now.
  await page.getByLabel('密码').fill('dev-operator-wang');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText(/登录失败次数过多/).waitFor();
  assert.equal(await page.locator('header.top').count(), 0);
  await assertClean(page);
  await context.close();
});
