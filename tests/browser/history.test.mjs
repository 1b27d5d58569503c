// An item's history in a real chromium, in the reader's language: the
// daemon writes each entry's detail in English, one fixed form per
// action (docs/api.md); the console says it in words. A referral item
// escalated past its SLA, claimed, its lease run out, claimed again and
// completed; a plan's step with a failed attempt, escalated when the
// attempts ran out, cancelled with its plan; a step reached; and rows of
// forms the console does not know, shown as they are. The same moves in
// the admins' audit screen, each detail in words; the plan panel and the
// item's facts in the words the history uses (上报). Screenshots at a
// desk's 1366×768 and a small laptop's 1280×720, in Chinese and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Daemon, launch, open, assertClean, shot, signIn } from './harness.mjs';

// mhc: a three-second lease and a two-second SLA for priority 1; the
// plan's steps in family (no SLA, a lease of a minute), due a second and
// two after the call, one attempt each.
const QUEUES = `queues = (
  { code = "mhc";    name = "青岛市精神卫生中心"; lease = 3; sla = { p1 = 2; }; },
  { code = "legal";  name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络"; lease = 60; }
);`;
const PLANS = `plans = (
  { code = "high"; name = "高危随访"; risk_at_least = "high";
    queue = "family"; priority = 3; steps = [ "1s", "2s" ];
    attempts = 1; retry_after = "1h"; }
);`;

function edit(text) {
  const q = text.replace(/\nqueues = \([\s\S]*?\n\);/, () => `\n${QUEUES}`);
  const p = q.replace(/\nplans = \([\s\S]*?\n\);/, () => `\n${PLANS}`);
  assert.ok(q !== text && p !== q, 'dev.conf has queues and plans');
  return p;
}

let d;
let browser;
let referral;
let failed;
let reached;

async function until(what, pred, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}:\n${d.log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function item(id) {
  const r = await d.api('GET', `/v1/queue-items/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function ok(r, status = 200) {
  assert.equal(r.status, status, r.text);
  return r.json;
}

before(async () => {
  d = await new Daemon({ edit }).start();
  browser = await launch();
  const started = new Date(Date.now() - 60000).toISOString();
  const call = await ok(await d.api('POST', '/v1/calls', {
    who: 'wang',
    headers: { 'Idempotency-Key': 'history-1' },
    body: { line: '400', caller_type: 'medic', topics: ['anxiety'], risk: 'high', started_at: started },
  }), 201);
  referral = call.queue_items.find((q) => q.kind === 'referral').item;
  failed = call.queue_items.find((q) => q.kind === 'followup-1').item;
  reached = call.queue_items.find((q) => q.kind === 'followup-2').item;
  // Past its two-second SLA, then claimed and let go.
  await until('the escalation', async () => (await item(referral)).escalated);
  assert.equal((await ok(await d.api('POST', '/v1/queues/mhc/claim', { who: 'zhao' }))).id, referral);
  await until('the lease to run out', async () => (await item(referral)).state === 'waiting');
  assert.equal((await ok(await d.api('POST', '/v1/queues/mhc/claim', { who: 'zhou' }))).id, referral);
  await ok(await d.api('POST', `/v1/queue-items/${referral}/complete`, { who: 'zhou', body: { resolution: '已回访' } }));
  // The plan's first step: not reached, its one attempt spent.
  assert.equal((await ok(await d.api('POST', '/v1/queues/family/claim', { who: 'zhao' }))).id, failed);
  await ok(await d.api('POST', `/v1/queue-items/${failed}/attempts`, { who: 'zhao', body: { result: 'no_answer' } }));
  // The second: reached.
  assert.equal((await ok(await d.api('POST', '/v1/queues/family/claim', { who: 'zhao' }))).id, reached);
  await ok(await d.api('POST', `/v1/queue-items/${reached}/attempts`, { who: 'zhao', body: { result: 'reached' } }));
  await ok(await d.api('POST', `/v1/calls/${call.id}/plan/end`, { who: 'zhao', body: { reason: 'unreachable' } }));
  // Rows of forms this console does not know (a later daemon's, or an
  // unknown code in a known form): shown as they are.
  await d.stop();
  execFileSync('sqlite3', [join(d.tmp, 'hotline.db'),
    `INSERT INTO queue_history (item_id, at, actor, action, detail) VALUES
       (${reached}, strftime('%s','now'), 'hotlined', 'escalated', 'moved by hand: <b>x</b>'),
       (${reached}, strftime('%s','now'), 'zhao', 'attempted', 'teleported, attempt 2 of 1');
     INSERT INTO audit (at, who, role, peer, action, call_id, item_id, detail) VALUES
       (strftime('%s','now'), 'hotlined', 'system', '-', 'item.escalate', ${call.id}, ${reached}, 'moved by hand: <b>x</b>');`]);
  await d.start();
});
after(async () => { await browser?.close(); await d?.close(); });

// The history's entries as the page shows them, oldest first.
async function entries(page, title) {
  const list = page.locator('.panel', { has: page.locator('h2', { hasText: title }) }).locator('ol.item-history li');
  await list.first().waitFor();
  return list.allTextContents();
}

test('the API says each detail in its documented form', async () => {
  const details = async (id) => (await item(id)).history.map((x) => [x.by, x.action, x.detail || null]);
  const r = await details(referral);
  assert.deepEqual(r.map(([by, a]) => `${by} ${a}`), ['wang created', 'hotlined escalated', 'zhao claimed',
    'hotlined lease expired', 'zhou claimed', 'zhou completed']);
  assert.match(r[1][2], /^waited [0-9]+s, SLA 2s$/);
  assert.equal(r[3][2], 'lease of zhao ran out');
  assert.deepEqual(await details(failed), [['wang', 'created', null], ['zhao', 'claimed', null],
    ['zhao', 'attempted', 'no_answer, attempt 1 of 1'], ['hotlined', 'escalated', '1 attempts failed'],
    ['zhao', 'cancelled', 'unreachable']]);
  assert.deepEqual((await details(reached)).slice(0, 3), [['wang', 'created', null], ['zhao', 'claimed', null],
    ['zhao', 'completed', 'reached, attempt 1 of 1']]);
});

test('an item\'s history is said in Chinese, unknown forms as they are', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'zhao');
  await page.goto(`${d.url}/#/queues/item/${referral}`);
  // The item's moves, not a call's amendments.
  const r = await entries(page, '处理记录');
  assert.equal(await page.locator('h2', { hasText: '修改记录' }).count(), 0);
  assert.equal(r.length, 6, r.join('\n'));
  assert.match(r[0], / · wang · 创建$/);
  assert.match(r[1], / · 系统 · 上报 · 已等待 [0-9]+ 秒（时限 2 秒）$/);
  assert.match(r[2], / · zhao · 领取$/);
  assert.match(r[3], / · 系统 · 领取期限到期退回 · zhao 的领取期限已到$/);
  assert.match(r[5], / · zhou · 完成$/);
  await shot(page, 'item-history');
  await assertClean(page);

  await page.goto(`${d.url}/#/queues/item/${failed}`);
  const f = await entries(page, '处理记录');
  assert.match(f[2], / · zhao · 联系尝试 · 无人接听（第 1 次尝试，最多 1 次）$/);
  assert.match(f[3], / · 系统 · 上报 · 尝试 1 次未联系上$/);
  assert.match(f[4], / · zhao · 取消 · 无法联系$/);
  await page.setViewportSize({ width: 1280, height: 720 });
  await shot(page, 'item-history-step-small');

  await page.goto(`${d.url}/#/queues/item/${reached}`);
  const s = await entries(page, '处理记录');
  assert.match(s[2], / · zhao · 完成 · 已联系上（第 1 次尝试，最多 1 次）$/);
  assert.match(s[3], / · 系统 · 上报 · moved by hand: <b>x<\/b>$/);
  assert.match(s[4], / · zhao · 联系尝试 · teleported（第 2 次尝试，最多 1 次）$/);
  assert.equal(await page.locator('ol.item-history b').count(), 0, 'a detail is text, never markup');
  for (const english of ['attempt', 'lease of', 'ran out', 'SLA', 'hotlined', 'no_answer', 'unreachable']) {
    assert.ok(!f.concat(r).join('\n').includes(english), `no "${english}" left in Chinese`);
  }
  await assertClean(page);
  await context.close();
});

test('and in English', async () => {
  const { context, page } = await open(browser, { locale: 'en-US', viewport: { width: 1280, height: 720 } });
  await signIn(page, d.url, 'zhao');
  await page.evaluate(() => localStorage.setItem('hotline.lang', 'en'));
  await page.goto(`${d.url}/#/queues/item/${referral}`);
  await page.reload();
  const r = await entries(page, 'Item history');
  assert.match(r[1], / · system · escalated · waited [0-9]+ s \(SLA 2 s\)$/);
  assert.match(r[3], / · system · lease expired · zhao's lease ran out$/);
  await page.goto(`${d.url}/#/queues/item/${failed}`);
  const f = await entries(page, 'Item history');
  assert.match(f[2], / · zhao · attempt · no answer \(attempt 1 of 1\)$/);
  assert.match(f[4], / · zhao · cancelled · cannot be reached$/);
  await shot(page, 'item-history-en');
  await assertClean(page);
  await context.close();
});

// The audit screen's rows, newest first: each row's cells.
async function auditRows(page) {
  const rows = page.locator('table.grid tbody tr');
  await rows.first().waitFor();
  return rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
}

// [when, who, role, peer, action, call, item, detail] → the fields a test reads.
const row = (c) => ({ who: c[1], role: c[2], action: c[4], item: c[6], detail: c[7] });

test('the audit screen says each detail in words', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'ops');
  await page.goto(`${d.url}/#/audit`);
  const rows = (await auditRows(page)).map(row);
  const find = (action, item, re) => rows.find((r) => r.action === action && r.item === String(item) && re.test(r.detail));
  assert.ok(find('上报', referral, /^已等待 [0-9]+ 秒（时限 2 秒）$/), JSON.stringify(rows, null, 1));
  const esc = find('上报', referral, /./);
  assert.deepEqual([esc.who, esc.role], ['系统', '系统']);
  assert.ok(find('领取期限到期退回', referral, /^zhao 的领取期限已到$/));
  assert.ok(find('领取事项', referral, /^队列：青岛市精神卫生中心$/));
  assert.ok(find('领取事项', failed, /^队列：家庭关爱联络$/));
  assert.ok(find('联系尝试', failed, /^无人接听（第 1 次尝试，最多 1 次）$/));
  assert.ok(find('上报', failed, /^尝试 1 次未联系上$/));
  assert.ok(find('联系尝试', reached, /^已联系上（第 1 次尝试，最多 1 次）$/));
  assert.ok(rows.find((r) => r.action === '提前结束随访计划' && r.detail === '高危随访，原因：无法联系，取消 1 次随访'),
    JSON.stringify(rows, null, 1));
  assert.ok(rows.find((r) => r.action === '登录' && r.who === 'ops' && r.detail === '经网络（TCP）'));
  // A detail of no known form: as it is, as text.
  assert.ok(find('上报', reached, /^moved by hand: <b>x<\/b>$/));
  assert.equal(await page.locator('table.grid b').count(), 0, 'a detail is text, never markup');
  const text = rows.map((r) => `${r.who} ${r.role} ${r.action} ${r.detail}`).join('\n');
  for (const english of ['waited', 'lease of', 'ran out', 'attempt', 'queue ', 'plan high', 'reason', 'via tcp',
    'hotlined', 'system', 'item.', 'call.', 'auth.']) {
    assert.ok(!text.replace('moved by hand: <b>x</b>', '').includes(english), `no "${english}" left in Chinese:\n${text}`);
  }
  // The filter offers the daemon's actions, each of which it takes.
  const options = await page.locator('select option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  for (const a of ['item.attempt', 'plan.end', 'auth.signin', 'auth.signout']) assert.ok(options.includes(a), a);
  assert.ok(!options.includes('session.start'));
  await page.selectOption('select', 'plan.end');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForFunction(() => document.querySelectorAll('table.grid tbody tr').length === 1);
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.selectOption('select', '');
  await page.getByRole('button', { name: '查询' }).click();
  await auditRows(page);
  await shot(page, 'audit-details');
  await assertClean(page);
  await context.close();
});

test('the audit screen in English', async () => {
  const { context, page } = await open(browser, { locale: 'en-US', viewport: { width: 1280, height: 720 } });
  await signIn(page, d.url, 'ops');
  await page.evaluate(() => localStorage.setItem('hotline.lang', 'en'));
  await page.goto(`${d.url}/#/audit`);
  await page.reload();
  const rows = (await auditRows(page)).map(row);
  assert.ok(rows.find((r) => r.action === 'lease expired' && r.detail === "zhao's lease ran out"), JSON.stringify(rows, null, 1));
  assert.ok(rows.find((r) => r.action === 'claimed an item' && r.detail === 'queue: 青岛市精神卫生中心'));
  assert.ok(rows.find((r) => r.action === 'plan ended early' && r.detail === '高危随访, reason: cannot be reached, 1 follow-up cancelled'),
    JSON.stringify(rows, null, 1));
  assert.ok(!rows.some((r) => /[：；，]/.test(r.detail)), 'no full-width marks in English');
  await shot(page, 'audit-details-en');
  await assertClean(page);
  await context.close();
});

test('the plan panel and the item say escalated as the history does', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'zhao');
  await page.goto(`${d.url}/#/queues/item/${failed}`);
  const plan = page.locator('[data-section="plan"]');
  const steps = plan.locator('li.plan-step .step-head');
  await steps.first().waitFor();
  const heads = await steps.allTextContents();
  assert.match(heads[0], /^第 1 次随访 · 已取消 · 应于 .* · 已尝试 1 次 · 已上报$/);
  assert.match(heads[1], /^第 2 次随访 · 已完成 · /);
  // The item's facts: its kind, and escalated in the same word.
  const facts = await page.locator('dl.record').first().textContent();
  assert.match(facts, /类别第 1 次随访/);
  assert.match(facts, /上报于 [0-9-]+ [0-9:]+ 上报/);
  assert.ok(!/已升级|已超时上报|随访第/.test(await page.locator('main').textContent()));
  await page.setViewportSize({ width: 1366, height: 768 });
  await shot(page, 'plan-panel');
  await assertClean(page);
  await context.close();
});

test('the plan panel in English counts one attempt as one', async () => {
  const { context, page } = await open(browser, { locale: 'en-US', viewport: { width: 1280, height: 720 } });
  await signIn(page, d.url, 'zhao');
  await page.evaluate(() => localStorage.setItem('hotline.lang', 'en'));
  await page.goto(`${d.url}/#/queues/item/${failed}`);
  await page.reload();
  const steps = page.locator('[data-section="plan"] li.plan-step .step-head');
  await steps.first().waitFor();
  const heads = await steps.allTextContents();
  assert.match(heads[0], /^Follow-up 1 · cancelled · due .* · 1 attempt · escalated$/);
  assert.match(await page.locator('[data-section="plan"]').textContent(), /1 attempt per step/);
  assert.ok(!/1 attempts/.test(await page.locator('main').textContent()));
  await shot(page, 'plan-panel-en');
  await assertClean(page);
  await context.close();
});
