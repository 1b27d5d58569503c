// An operator logs a whole high-risk call with the keyboard alone; a
// counselor in a second browser context sees it in the queue, claims it
// and completes it. Every field is checked through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, launch, open, assertClean, shot, signIn } from './harness.mjs';

let d;
let browser;
before(async () => { d = await new Daemon().start(); browser = await launch(); });
after(async () => { await browser?.close(); await d?.close(); });

const NOTES = '夜班后失眠，担心家人。\n说已经想好了方法。';

test('a high-risk call logged with the keyboard alone, then claimed and completed by a counselor', async () => {
  const op = await open(browser);
  const page = op.page;
  await signIn(page, d.url, 'wang');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  const k = (key) => page.keyboard.press(key);
  const type = (text) => page.keyboard.type(text);
  // The form opens with the focus on the line; digits pick codes.
  assert.equal(await page.evaluate(() => document.activeElement.name ? document.activeElement.closest('fieldset').dataset.field : null), 'line');
  await k('1');                      // line 400
  await k('Tab');                    // call type: 心理咨询 already
  await k('Tab'); await k('1');      // caller: 一线医护人员
  await k('Tab'); await k('1');      // gender: 女
  await k('Tab'); await k('3');      // age: 30-39
  await k('Tab'); await k('1'); await k('3');   // topics: 焦虑, 睡眠问题
  await k('Tab'); await k('4');      // risk: 高风险 → the assessment appears
  await page.getByRole('heading', { name: '自杀风险评估' }).waitFor();
  await k('Tab'); await k('1');      // desire: yes
  await k('Tab'); await k('2');      // capability: no
  await k('Tab'); await k('1');      // intent: yes
  await k('Tab'); await k('3');      // buffers: unknown
  await k('Tab'); await k('Space');  // emergency services contacted
  // The crisis assessment (from moderate up): two scores, the screener.
  await k('Tab'); await type('7');   // suicidal ideation
  await k('Tab'); await type('6');   // hopelessness
  for (const key of ['1', '1', '2', '2', '2', '2']) { await k('Tab'); await k(key); }
  // The safety plan's five items, then past the emergency linkage (who,
  // when, reference, confirmation) left empty.
  for (const key of ['1', '1', '2', '1', '3']) { await k('Tab'); await k(key); }
  for (let i = 0; i < 4; i++) await k('Tab');
  await k('Tab'); await k('3');      // outcome: 约定回访 → the callback time appears
  await k('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.labels[0].textContent), '回访时间');
  await type('2030-12-31 10:00');
  await k('Tab'); await type(NOTES.split('\n')[0]);
  await k('Enter');
  await type(NOTES.split('\n')[1]);
  await k('Tab'); await k('Space');  // consent → name and contact appear
  await k('Tab'); await type('王医生');
  await k('Tab'); await type('13800000000');
  await k('Tab'); await type('0532-80000000');
  await page.waitForTimeout(1200);   // the timer runs
  await shot(page, 'call-form-filled');
  await k('Control+Enter');
  await page.getByText(/来电 #\d+ 已保存到服务器。/).waitFor();
  await page.getByText('青岛市精神卫生中心').first().waitFor();
  await shot(page, 'call-saved');
  await assertClean(page);

  const calls = await d.calls();
  assert.equal(calls.length, 1);
  const c = (await d.api('GET', `/v1/calls/${calls[0].id}`)).json;
  assert.equal(c.line, '400');
  assert.equal(c.call_type, 'counseling');
  assert.equal(c.caller_type, 'medic');
  assert.equal(c.gender, 'f');
  assert.equal(c.age_band, '30-39');
  assert.deepEqual(c.topics, ['anxiety', 'sleep']);
  assert.equal(c.risk, 'high');
  assert.deepEqual(c.risk_assessment, { desire: 'yes', capability: 'no', intent: 'yes', buffers: 'unknown' });
  assert.equal(c.emergency_contacted, true);
  assert.equal(c.ideation_intensity, 7);
  assert.equal(c.hopelessness, 6);
  assert.deepEqual(c.screener, { wish_dead: 'yes', active_thoughts: 'yes', method: 'no', intent: 'no', plan: 'no', behavior: 'no' });
  assert.equal(c.plan_timeframe, null);
  assert.deepEqual(c.safety_plan, { warning_signs: 'yes', coping_steps: 'yes', people_places: 'no', professional_contacts: 'yes', means_safer: 'unknown' });
  assert.equal(c.emergency, null);
  assert.equal(c.outcome, 'callback');
  assert.equal(Date.parse(c.callback_at), Date.parse('2030-12-31T10:00:00+08:00'));
  assert.equal(c.notes, NOTES);
  assert.equal(c.consent, true);
  assert.equal(c.caller_name, '王医生');
  assert.equal(c.caller_contact, '13800000000');
  assert.equal(c.operator, 'wang');
  assert.ok(c.duration_s >= 1, `duration from the timer: ${c.duration_s}`);
  assert.ok(Math.abs(Date.parse(c.started_at) - Date.now()) < 120000);
  assert.ok(c.queue_items.some((q) => q.code === 'mhc' && q.kind === 'referral' && q.priority === 1));

  // The counselor, in a browser context of its own.
  const co = await open(browser);
  const cp = co.page;
  await signIn(cp, d.url, 'zhao');
  await cp.getByRole('heading', { name: '转介队列' }).waitFor();
  const row = cp.getByRole('row', { name: /青岛市精神卫生中心/ });
  await row.getByRole('cell', { name: '1', exact: true }).first().waitFor();
  await shot(cp, 'queues');
  await cp.getByRole('button', { name: '领取“青岛市精神卫生中心”的下一条' }).click();
  await cp.getByRole('heading', { name: /^事项 #\d+$/ }).waitFor();
  await cp.getByText('说已经想好了方法。', { exact: false }).waitFor();
  await cp.getByText(/还剩 \d+:\d\d/).waitFor();
  await cp.getByRole('button', { name: '续期' }).click();
  await cp.getByText('已续期。').waitFor();
  await shot(cp, 'queue-item-claimed');
  await cp.getByLabel('处理情况').fill('已回电，约定明日复诊。');
  await cp.getByRole('button', { name: '完成' }).click();
  await cp.getByText('事项已完成。').waitFor();
  await shot(cp, 'queue-item-done');
  await assertClean(cp);
  const q = (await d.api('GET', '/v1/queues/mhc?state=done')).json;
  assert.equal(q.items.length, 1);
  assert.equal(q.items[0].completed_by, 'zhao');
  assert.equal(q.items[0].resolution, '已回电，约定明日复诊。');

  // The operator's own list and the call's page show it.
  await page.goto(`${d.url}/#/mine`);
  await page.getByRole('link', { name: `#${c.id}` }).click();
  await page.getByRole('heading', { name: `来电 #${c.id}` }).waitFor();
  await page.getByText('王医生').waitFor();
  await shot(page, 'mine-call');
  await assertClean(page);
  await op.context.close();
  await co.context.close();
});

test('amending a call that changed meanwhile shows the conflict and overwrites nothing', async () => {
  const r = await d.api('POST', '/v1/calls', { who: 'wang', headers: { 'Idempotency-Key': 'amend-1' }, body: { line: '9120', caller_type: 'member', topics: ['work'], risk: 'low', notes: '原来的记录' } });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'wang');
  await page.goto(`${d.url}/#/mine/${id}/edit`);
  await page.getByRole('heading', { name: `修改来电 #${id}（版本 1）` }).waitFor();
  // Someone else's change lands first.
  const p = await d.api('PATCH', `/v1/calls/${id}`, { who: 'wang', body: { notes: '别处的修改' } });
  assert.equal(p.status, 200, p.text);
  await page.getByLabel('备注').fill('我的修改');
  await page.keyboard.press('Control+Enter');
  await page.getByText(/已被修改，你的改动没有保存/).waitFor();
  await shot(page, 'amend-conflict');
  const c = (await d.api('GET', `/v1/calls/${id}`)).json;
  assert.equal(c.notes, '别处的修改');
  // Amending the current version works and shows the history.
  await page.getByRole('link', { name: '重新打开这条来电' }).click();
  await page.getByRole('link', { name: '修改此来电' }).click();
  await page.getByLabel('备注').fill('我的修改');
  await page.keyboard.press('Control+Enter');
  await page.getByRole('heading', { name: `来电 #${id}` }).waitFor();
  await page.getByText('版本 2，', { exact: false }).waitFor();
  assert.equal((await d.api('GET', `/v1/calls/${id}`)).json.notes, '我的修改');
  await shot(page, 'call-history');
  await assertClean(page);
  await context.close();
});

test('the form at 200 % zoom on a 1366×768 screen is one readable column', async () => {
  const { context, page } = await open(browser, { viewport: { width: 683, height: 384 }, deviceScaleFactor: 2 });
  await signIn(page, d.url, 'wang');
  await page.getByRole('heading', { name: '记录来电' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling (${overflow} px)`);
  await shot(page, 'call-form-zoom200', { fullPage: false });
  await assertClean(page);
  await context.close();
});
