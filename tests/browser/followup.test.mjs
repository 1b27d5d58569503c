// The follow-up plan and crisis screens in a real chromium: the call form
// marks the crisis fields the config requires from high risk up and will
// not send without them; a counselor holding a plan's step records an
// attempt (a hostile note shows as text), sees every attempt, and ends
// the plan early with a reason; the handover page for a counselor and a
// supervisor; the monthly report's follow-up and crisis sections.
// Screenshots at a desk's 1366×768 and a small laptop's 1280×720 (and
// 1024×640 for the call form).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Daemon, launch, open, assertClean, shot, signIn, SHOTS } from './harness.mjs';

const HOSTILE = '<img src=x onerror=alert(1)>"><script>alert(2)</script>';
const EXTRA = `
crisis = {
  require_from = "high";
  require = [ "ideation_intensity", "hopelessness", "screener" ];
};
`;
const SCREENER = { wish_dead: 'yes', active_thoughts: 'yes', method: 'no', intent: 'no', plan: 'no', behavior: 'no' };
const SMALL = { width: 1280, height: 720 };

let d;
let browser;
let callId;
let stepId;
before(async () => {
  d = await new Daemon({ extra: EXTRA }).start();
  browser = await launch();
  const started = new Date(Date.now() - 600000).toISOString();
  const r = await d.api('POST', '/v1/calls', {
    who: 'wang',
    headers: { 'Idempotency-Key': 'plan-1' },
    body: {
      line: '400', caller_type: 'medic', topics: ['other'], risk: 'high', started_at: started,
      ideation_intensity: 7, hopelessness: 6, screener: SCREENER, notes: HOSTILE,
      emergency: { agency: '120', contacted_at: new Date(Date.now() - 60000).toISOString(), reference: HOSTILE.slice(0, 30) },
    },
  });
  assert.equal(r.status, 201, r.text);
  callId = r.json.id;
  stepId = r.json.queue_items.find((q) => q.kind === 'followup-1').item;
  // The first step falls due an hour ago: a day passes in the store.
  await d.stop();
  const due = Math.floor(Date.now() / 1000) - 3600;
  execFileSync('sqlite3', [join(d.tmp, 'hotline.db'),
    `UPDATE queue_items SET due_at = ${due}, due_first = ${due} WHERE id = ${stepId};`]);
  await d.start();
});
after(async () => { await browser?.close(); await d?.close(); });

async function assertInert(page) {
  const found = await page.evaluate(() => ({
    img: document.querySelectorAll('img').length,
    scripts: [...document.scripts].map((s) => s.src),
    handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
  }));
  assert.equal(found.img, 0, 'no <img> made from data');
  assert.ok(found.scripts.every((s) => /\/assets\/[^/]+\.js$/.test(s)), `only the console's scripts: ${found.scripts}`);
  assert.equal(found.handlers, 0);
  await assertClean(page);
}

test('the call form marks the required crisis fields and sends them', async () => {
  for (const [viewport, name] of [[undefined, 'crisis-form'], [{ width: 1024, height: 640 }, 'crisis-form-small']]) {
    const { context, page } = await open(browser, { viewport });
    await signIn(page, d.url, 'wang');
    const crisis = page.locator('[data-section="crisis"]');
    assert.equal(await crisis.isHidden(), true, 'no crisis section before a risk');
    await page.locator('fieldset[data-field="risk"] label', { hasText: '高' }).first().click();
    await crisis.waitFor();
    // Required from high: the two scores and the screener carry a *.
    assert.equal(await crisis.locator('.req:visible').count(), 3);
    await shot(page, name);
    await context.close();
  }
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'wang');
  await page.locator('fieldset[data-field="line"] input').first().check();
  await page.locator('fieldset[data-field="caller_type"] input').first().check();
  await page.locator('fieldset[data-field="topics"] input').first().check();
  await page.locator('fieldset[data-field="risk"] label', { hasText: '高' }).first().click();
  await page.getByRole('button', { name: /保存/ }).click();
  await page.locator('.msgs').getByText('请填写“自杀意念强度”。').first().waitFor();
  assert.equal(await page.getByLabel('自杀意念强度').getAttribute('aria-invalid'), 'true');
  const before = (await d.calls()).length;
  await page.getByLabel('自杀意念强度').fill('11');
  await page.getByLabel('无望感').fill('4');
  await page.getByRole('button', { name: /保存/ }).click();
  await page.getByText('自杀意念强度须为 0 至 10 的整数。').first().waitFor();
  await page.getByLabel('自杀意念强度').fill('8');
  for (const k of ['sc_wish_dead', 'sc_active_thoughts', 'sc_method', 'sc_intent', 'sc_plan', 'sc_behavior']) {
    await page.locator(`fieldset[data-field="${k}"] input`).nth(1).check();
  }
  await page.getByRole('button', { name: /保存/ }).click();
  await page.locator('.routed').waitFor();
  const calls = await d.calls();
  assert.equal(calls.length, before + 1);
  const c = calls.find((x) => x.ideation_intensity === 8);
  assert.ok(c, 'stored with its scores');
  assert.equal(c.hopelessness, 4);
  assert.deepEqual(c.screener, { wish_dead: 'no', active_thoughts: 'no', method: 'no', intent: 'no', plan: 'no', behavior: 'no' });
  await shot(page, 'crisis-form-saved');
  await assertInert(page);
  await context.close();
});

// "2026-12-07 13:55" moved by min minutes, as typed on the form.
function typedPlus(typed, min) {
  const [d, hm] = typed.split(' ');
  const x = new Date(Date.parse(`${d}T${hm}:00Z`) + min * 60000).toISOString();
  return `${x.slice(0, 10)} ${x.slice(11, 16)}`;
}

test('the call form records the safety plan and the emergency linkage, and confirms it on amending', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'wang');
  await page.locator('fieldset[data-field="line"] input').first().check();
  await page.locator('fieldset[data-field="caller_type"] input').first().check();
  await page.locator('fieldset[data-field="topics"] input').first().check();
  const safety = page.locator('fieldset[data-field="safety_plan"]');
  const em = page.locator('fieldset[data-field="emergency"]');
  await page.locator('fieldset[data-field="risk"] label', { hasText: '低风险' }).click();
  assert.equal(await safety.isHidden(), true, 'not below moderate risk');
  await page.locator('fieldset[data-field="risk"] label', { hasText: '中风险' }).click();
  await safety.waitFor();
  await em.waitFor();
  // Half a safety plan, a reference without who was contacted: both named.
  await safety.locator('fieldset[data-field="sp_warning_signs"] label', { hasText: '是' }).click();
  await em.getByLabel('接警/受理编号').fill('QD-120-0042');
  await page.getByRole('button', { name: /保存/ }).click();
  await page.locator('.msgs').getByText('安全计划的五项需全部填写（或全部留空）。').waitFor();
  await page.locator('.msgs').getByText('填写紧急联动时须选择联系的单位。').waitFor();
  for (const [k, a] of [['sp_coping_steps', '是'], ['sp_people_places', '否'], ['sp_professional_contacts', '是'], ['sp_means_safer', '不确定']]) {
    await safety.locator(`fieldset[data-field="${k}"] label`, { hasText: a }).click();
  }
  await em.locator('fieldset[data-field="emergency_agency"] label', { hasText: '120（急救）' }).click();
  assert.equal(await em.locator('fieldset[data-field="emergency_confirmed"] input:checked').count(), 1, 'pending from the pick');
  await page.getByRole('button', { name: /保存/ }).click();
  await page.locator('.msgs').getByText('请填写“联系时间”。').waitFor();
  assert.equal(await em.getByLabel('联系时间').getAttribute('aria-invalid'), 'true');
  // The call began ten minutes ago; the ambulance was called five after.
  const started = page.getByLabel('开始时间');
  const typed = await started.inputValue();
  await started.fill(typedPlus(typed, -10));
  await em.getByLabel('联系时间').fill(typedPlus(typed, -5));
  await shot(page, 'crisis-form-safety-emergency');
  await page.getByRole('button', { name: /保存/ }).click();
  // The call named by the message: the list's order is by start, which
  // this call, begun ten minutes ago, does not lead.
  const saved = await page.getByText(/来电 #\d+ 已保存到服务器。/).textContent();
  const id = saved.match(/#(\d+)/)[1];
  const c = (await d.api('GET', `/v1/calls/${id}`)).json;
  assert.deepEqual(c.safety_plan, { warning_signs: 'yes', coping_steps: 'yes', people_places: 'no', professional_contacts: 'yes', means_safer: 'unknown' });
  assert.equal(c.emergency.agency, '120');
  assert.equal(c.emergency.reference, 'QD-120-0042');
  assert.equal(c.emergency.confirmed, 'pending');
  assert.equal(Date.parse(c.emergency.contacted_at) - Date.parse(c.started_at), 5 * 60000);
  assert.equal(c.emergency_contacted, true);
  // Amending: the form comes back filled; confirming sends only that.
  await page.goto(`${d.url}/#/mine/${c.id}/edit`);
  const em2 = page.locator('fieldset[data-field="emergency"]');
  await em2.waitFor();
  assert.equal(await em2.getByLabel('接警/受理编号').inputValue(), 'QD-120-0042');
  assert.equal(await em2.locator('fieldset[data-field="emergency_confirmed"] input:checked').count(), 1);
  await em2.locator('fieldset[data-field="emergency_confirmed"] label', { hasText: '已确认联系到来电者' }).click();
  await page.getByRole('button', { name: '保存修改' }).click();
  await page.getByText('修改此来电').waitFor();
  const after = (await d.api('GET', `/v1/calls/${c.id}`)).json;
  assert.equal(after.version, 2);
  assert.deepEqual(after.emergency, { ...c.emergency, confirmed: 'confirmed' });
  assert.deepEqual(after.safety_plan, c.safety_plan);
  const amended = after.history[after.history.length - 1];
  assert.deepEqual(Object.keys(amended.changes || {}).sort(), ['emergency']);
  await assertInert(page);
  await context.close();
});

test('a counselor records an attempt on a step, sees it as text, and ends the plan', async () => {
  const claim = await d.api('POST', '/v1/queues/mhc/claim', { who: 'zhao' });
  assert.equal(claim.status, 200, claim.text);
  assert.equal(claim.json.id, stepId);
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'zhao');
  await page.goto(`${d.url}/#/queues/item/${stepId}`);
  const plan = page.locator('[data-section="plan"]');
  await plan.getByText('高危随访（进行中）').waitFor();
  assert.equal(await plan.locator('.plan-step').count(), 4);
  // The result is required.
  await plan.getByRole('button', { name: '保存尝试' }).click();
  await plan.getByText('请选择结果。').waitFor();
  await plan.locator('fieldset[data-field="attempt_result"] label', { hasText: '无人接听' }).click();
  await plan.getByLabel('备注').fill(HOSTILE);
  await plan.getByRole('button', { name: '保存尝试' }).click();
  await page.getByText('已记录：无人接听。').waitFor();
  const row = page.locator(`[data-section="plan"] .plan-step[data-item="${stepId}"] tbody tr`);
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  assert.equal(await row.locator('td').nth(3).textContent(), HOSTILE);
  assert.equal(await row.locator('td').nth(2).textContent(), '无人接听');
  // Not reached: back in the queue, nothing more to record here.
  assert.equal(await page.getByRole('button', { name: '保存尝试' }).count(), 0);
  await shot(page, 'plan-attempt');
  await page.setViewportSize(SMALL);
  await shot(page, 'plan-attempt-small');
  await assertInert(page);
  // Ending early asks first, then cancels the open steps.
  await plan.locator('fieldset[data-field="end_reason"] label', { hasText: '已在接受治疗' }).click();
  await plan.getByRole('button', { name: '结束计划' }).click();
  await page.locator('dialog').getByRole('button', { name: '结束计划' }).click();
  await page.getByText('计划已结束。').waitFor();
  await page.locator('[data-section="plan"]').getByText('高危随访（已提前结束）').waitFor();
  const p = await d.api('GET', `/v1/calls/${callId}/plan`);
  assert.equal(p.json.state, 'ended');
  assert.equal(p.json.end_reason, 'in_treatment');
  assert.equal(p.json.steps[0].attempt_log[0].note, HOSTILE);
  await shot(page, 'plan-ended');
  await assertInert(page);
  // A cancelled step names who cancelled it, not who completed it.
  const cancelled = p.json.steps[1].id;
  assert.equal(p.json.steps[1].state, 'cancelled');
  await page.goto(`${d.url}/#/queues/item/${cancelled}`);
  const facts = page.locator('dl.record').first();
  await facts.getByText('取消人', { exact: true }).waitFor();
  assert.equal(await facts.getByText('完成人', { exact: true }).count(), 0);
  // Its history (the item's moves, not a call's amendments) says why in
  // words, not the API's code.
  const hist = page.locator('.panel', { has: page.locator('h2', { hasText: '处理记录' }) }).locator('ol');
  assert.match(await hist.locator('li').last().textContent(), / · zhao · 取消 · 已在接受治疗$/);
  assert.equal(await hist.getByText('in_treatment').count(), 0);
  await shot(page, 'plan-step-cancelled');
  await context.close();
});

test('a supervisor sees the plan on the call, the handover, and the report', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'chen');
  await page.goto(`${d.url}/#/mine/${callId}`);
  await page.locator('[data-section="plan"]').getByText('高危随访').first().waitFor();
  assert.equal(await page.locator('dt:text-is("自杀意念强度") + dd').textContent(), '7');
  await shot(page, 'call-plan');
  await assertInert(page);
  await page.goto(`${d.url}/#/handover`);
  const em = page.locator('[data-list="emergencies_pending"]');
  await em.getByRole('link', { name: `来电 ${callId}` }).waitFor();
  assert.match(await em.textContent(), /120（急救）/);
  assert.ok((await em.textContent()).includes(HOSTILE.slice(0, 30)), 'the reference as text');
  await page.locator('[data-list="high_risk"] tbody tr').first().waitFor();
  await shot(page, 'handover');
  await page.setViewportSize(SMALL);
  await shot(page, 'handover-small');
  await assertInert(page);
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${d.url}/#/report`);
  const fu = page.locator('[data-section="followup"]');
  await fu.waitFor();
  assert.match(await fu.textContent(), /应随访步骤/);
  assert.match(await fu.textContent(), /有危机记录的来电/);
  await fu.scrollIntoViewIfNeeded();
  await shot(page, 'report-followup');
  await fu.screenshot({ path: join(SHOTS, 'report-followup-section.png') });
  await assertInert(page);
  await context.close();
});

test('a counselor has the handover in the navigation', async () => {
  const { context, page } = await open(browser, { viewport: SMALL });
  await signIn(page, d.url, 'zhou');
  await page.getByRole('link', { name: '交接班' }).click();
  await page.locator('[data-list="held"]').waitFor();
  await shot(page, 'handover-counselor-small');
  await assertInert(page);
  await context.close();
});
