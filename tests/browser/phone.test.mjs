// 从来电填入: the PBX reports a call the operator answered (POST
// /v1/pbx/events with the dev pbx token); the operator's form fills the
// line, start and talk time from it, and the call saved is joined to the
// phone call. With none waiting the form says so; in English too. A
// missed caller's item (pbx.callback on) shows the number to the
// counselor holding it, and not to the supervisor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, launch, open, assertClean, shot, signIn } from './harness.mjs';

let d;
let browser;
before(async () => { d = await new Daemon().start(); browser = await launch(); });
after(async () => { await browser?.close(); await d?.close(); });

const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

async function event(body) {
  const r = await d.http('POST', '/v1/pbx/events', { who: 'dev-pbx', body, apiPort: d.apiPort() });
  assert.ok(r.status === 201, r.text);
}

test('the form fills from the phone call and the call is joined to it', async () => {
  const now = Math.floor(Date.now() / 1000);
  await event({ call_id: 'web-1', event: 'offered', line: 'hotline9120', at: iso(now - 300), caller_number: '13800138000' });
  await event({ call_id: 'web-1', event: 'answered', agent: 'PJSIP/8001', at: iso(now - 288) });
  await event({ call_id: 'web-1', event: 'ended', at: iso(now - 100) });

  const { page } = await open(browser);
  await signIn(page, d.url, 'wang');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  await page.getByRole('button', { name: '从来电填入' }).click();
  await page.getByText(/已从 .* 接听的来电填入（.*等待 12 秒）/).waitFor();
  const line = await page.evaluate(() => document.querySelector('fieldset[data-field="line"] input:checked')?.value);
  assert.equal(line, '9120');
  assert.equal(await page.getByLabel('通话时长').inputValue(), '3:08');
  await shot(page, 'call-form-phone');
  // The focus is on the caller: the rest by the keyboard.
  const k = (key) => page.keyboard.press(key);
  await k('1');                      // caller: 一线医护人员
  await k('Tab'); await k('Tab');
  await k('Tab'); await k('1');      // topics: the first
  await k('Tab'); await k('1');      // risk: 无风险
  await k('Control+Enter');
  await page.getByText(/来电 #\d+ 已保存到服务器。/).waitFor();
  await assertClean(page);

  const calls = await d.calls();
  assert.equal(calls.length, 1);
  const c = (await d.api('GET', `/v1/calls/${calls[0].id}`)).json;
  assert.equal(c.line, '9120');
  assert.equal(c.duration_s, 188);
  assert.equal(Date.parse(c.started_at), (now - 288) * 1000);
  // Joined: nothing left to fill from, for the API and for the form.
  const latest = await d.api('GET', '/v1/pbx/latest', { who: 'wang' });
  assert.equal(latest.status, 404, latest.text);
  const unlogged = await d.api('GET', '/v1/pbx/unlogged');
  assert.equal(unlogged.json.count, 0);
  await page.getByRole('button', { name: /下一个来电/ }).click();
  await page.getByRole('button', { name: '从来电填入' }).click();
  await page.getByText('过去 12 小时内没有您接听而尚未登记的电话。').waitFor();
  await assertClean(page);
});

test('in English', async () => {
  const now = Math.floor(Date.now() / 1000);
  await event({ call_id: 'web-2', event: 'offered', line: '400', at: iso(now - 60) });
  await event({ call_id: 'web-2', event: 'answered', agent: 'PJSIP/8002', at: iso(now - 55) });
  const { page } = await open(browser, { locale: 'en-US' });
  await signIn(page, d.url, 'li');
  await page.evaluate(() => localStorage.setItem('hotline.lang', 'en'));
  await page.reload();
  await page.getByRole('button', { name: 'Fill from the phone call' }).click();
  await page.getByText(/Filled from the call answered at .* waited 5 s/).waitFor();
  const line = await page.evaluate(() => document.querySelector('fieldset[data-field="line"] input:checked')?.value);
  assert.equal(line, '400');
  await shot(page, 'call-form-phone-en');
  await assertClean(page);
});

test('a missed caller: the number to the holder alone', async () => {
  const d2 = await new Daemon({
    edit: (text) => text.replace(/\n  # callback = \{ queue = "mhc";\n  #   key = "([0-9a-f]{64})"; \};/,
      (m, key) => `\n  callback = { queue = "mhc"; key = "${key}"; };`),
  }).start();
  try {
    const now = Math.floor(Date.now() / 1000);
    for (const body of [
      { call_id: 'm-1', event: 'offered', line: '400', at: iso(now - 200), caller_number: '13912345678' },
      { call_id: 'm-1', event: 'abandoned', at: iso(now - 160) }]) {
      const r = await d2.http('POST', '/v1/pbx/events', { who: 'dev-pbx', body });
      assert.equal(r.status, 201, r.text);
    }
    const claim = await d2.api('POST', '/v1/queues/mhc/claim', { who: 'zhao' });
    assert.equal(claim.status, 200, claim.text);
    assert.equal(claim.json.kind, 'missed');
    const { page } = await open(browser);
    await signIn(page, d2.url, 'zhao');
    await page.goto(`${d2.url}/#/queues/item/${claim.json.id}`);
    await page.getByText('13912345678').waitFor();
    await page.getByText('未接来电回拨').first().waitFor();
    await page.getByText(/1 次，最后一次/).waitFor();
    await shot(page, 'missed-caller-holder');
    await assertClean(page);
    const boss = await open(browser);
    await signIn(boss.page, d2.url, 'chen');
    await boss.page.goto(`${d2.url}/#/queues/item/${claim.json.id}`);
    await boss.page.getByText('只向领取此事项的咨询师显示（每次显示都记入审计）').waitFor();
    assert.equal(await boss.page.getByText('13912345678').count(), 0);
    await assertClean(boss.page);
    const audit = await d2.api('GET', '/v1/audit?action=item.number', { who: 'ops' });
    assert.equal(audit.status, 200, audit.text);
    assert.deepEqual(audit.json.audit.map((a) => [a.who, a.item_id]),
      [['zhao', claim.json.id], ['zhao', claim.json.id]]);   // the claim, the page
  } finally {
    await d2.close();
  }
});
