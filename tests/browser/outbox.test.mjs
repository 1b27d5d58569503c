// Nothing lost: the daemon is stopped while calls are saved, the page is
// reloaded, the daemon started again: each call is stored exactly once
// with every field intact; a call the server refuses stays visible with
// its reason; the outbox belongs to its user; signing out warns first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, launch, open, assertClean, shot, signIn } from './harness.mjs';

let d;
let browser;
before(async () => { d = await new Daemon().start(); browser = await launch(); });
after(async () => { await browser?.close(); await d?.close(); });

async function pick(page, name) {
  await page.getByRole('radio', { name, exact: true }).check();
}

async function fillCall(page, { notes, callback }) {
  await pick(page, '0532-85669120');
  await pick(page, '援鄂医疗队家属');
  await pick(page, '男');
  await pick(page, '40-49岁');
  await page.getByRole('checkbox', { name: '家庭困难', exact: true }).check();
  await page.getByRole('checkbox', { name: '感染担忧', exact: true }).check();
  await pick(page, '中风险');
  for (const [group, answer] of [['自杀意愿', '否'], ['自杀能力', '否'], ['自杀意图', '否'], ['保护因素', '是']]) {
    await page.getByRole('group', { name: group }).getByRole('radio', { name: answer, exact: true }).check();
  }
  await pick(page, '约定回访');
  await page.getByLabel('回访时间').fill(callback);
  await page.getByLabel('备注', { exact: true }).fill(notes);
  await page.getByLabel('来电者同意留下姓名和联系方式').check();
  await page.getByLabel('来电者姓名').fill('李护士');
  await page.getByLabel('联系方式', { exact: true }).fill('微信 li-nurse');
  await page.getByLabel('来电号码').fill('13900000000');
  await page.getByLabel('通话时长').fill('12:30');
}

test('calls saved while the daemon is down are sent once it is back, after a reload', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'wang');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  await d.stop();

  await fillCall(page, { notes: '援鄂队员家属，担心家人感染。', callback: '2030-01-02 09:30' });
  await page.keyboard.press('Control+Enter');
  await page.getByText(/服务器暂时连不上/).waitFor();
  // A second call whose callback is before its start: the server will refuse it.
  await page.getByRole('button', { name: /记录下一个来电/ }).click();
  await fillCall(page, { notes: '第二个来电', callback: '2001-01-01 09:00' });
  await page.keyboard.press('Control+Enter');
  await page.getByRole('heading', { name: '未发送（2）' }).waitFor();
  await page.getByText(/已等待/).first().waitFor();
  await shot(page, 'outbox-unsent');
  await assertClean(page);

  // The browser reloads while the server is away, and again once it is back.
  await page.reload().catch(() => {});
  await page.waitForURL(/chrome-error|127\.0\.0\.1/, { timeout: 5000 }).catch(() => {});
  await d.start();
  for (let i = 0; ; i += 1) {
    try { await page.goto(`${d.url}/`); break; } catch (e) { if (i > 3) throw e; await page.waitForTimeout(500); }
  }
  await page.getByText('服务器拒收', { exact: true }).waitFor({ timeout: 20000 });
  await page.getByRole('heading', { name: '未发送（1）' }).waitFor();
  await page.getByText(/“回访时间”的值不正确/).waitFor();
  await shot(page, 'outbox-refused');

  const calls = await d.calls();
  assert.equal(calls.length, 1, 'exactly one record');
  const c = (await d.api('GET', `/v1/calls/${calls[0].id}`)).json;
  assert.equal(c.line, '9120');
  assert.equal(c.call_type, 'counseling');
  assert.equal(c.caller_type, 'aid_team_family');
  assert.equal(c.gender, 'm');
  assert.equal(c.age_band, '40-49');
  assert.deepEqual([...c.topics].sort(), ['family', 'infection_fear']);
  assert.equal(c.risk, 'moderate');
  assert.deepEqual(c.risk_assessment, { desire: 'no', capability: 'no', intent: 'no', buffers: 'yes' });
  assert.equal(c.outcome, 'callback');
  assert.equal(Date.parse(c.callback_at), Date.parse('2030-01-02T09:30:00+08:00'));
  assert.equal(c.notes, '援鄂队员家属，担心家人感染。');
  assert.equal(c.consent, true);
  assert.equal(c.caller_name, '李护士');
  assert.equal(c.caller_contact, '微信 li-nurse');
  assert.equal(c.duration_s, 750);
  assert.equal(c.operator, 'wang');

  // Signing out with a call still in the outbox asks first (in the page,
  // not a browser dialog).
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('dialog', { name: '还有未发送的来电' }).waitFor();
  await shot(page, 'signout-warning');
  await page.getByRole('button', { name: '仍然退出' }).click();
  await page.getByRole('heading', { name: '登录' }).waitFor();

  // Another operator on the same browser neither sees nor sends it.
  await signIn(page, d.url, 'li');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.locator('.outbox-item').count(), 0);
  assert.equal(await page.getByRole('button', { name: /^未发送/ }).isVisible(), false);
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('heading', { name: '登录' }).waitFor();

  // Back as wang: it is there; deleting it asks first.
  await signIn(page, d.url, 'wang');
  await page.getByText('服务器拒收', { exact: true }).waitFor();
  await page.getByRole('button', { name: '删除' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '删除' }).click();
  await page.getByRole('heading', { name: /未发送（/ }).waitFor({ state: 'detached' });
  assert.equal((await d.calls()).length, 1);
  await assertClean(page);
  await context.close();
});
