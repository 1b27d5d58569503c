// Hostile names and notes show as text on every screen that shows them:
// no dialog fires, no element is made from them, the browser reports no
// CSP violation. The same run visits and photographs the supervisor's
// and the admin's screens: today, statistics (chart, table, CSV),
// the monthly report (in print too), export, audit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Daemon, launch, open, assertClean, shot, signIn } from './harness.mjs';

const HOSTILE = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', 'javascript:alert(1)'];
const NOTES = HOSTILE.join('\n');

let d;
let browser;
let id;
before(async () => {
  d = await new Daemon().start();
  browser = await launch();
  const r = await d.api('POST', '/v1/calls', {
    who: 'wang',
    headers: { 'Idempotency-Key': 'hostile-1' },
    body: {
      line: '400', caller_type: 'medic', topics: ['anxiety', 'work'], risk: 'high', outcome: 'referred',
      notes: NOTES, consent: true, caller_name: HOSTILE[0], caller_contact: HOSTILE[2], duration_s: 600,
    },
  });
  assert.equal(r.status, 201, r.text);
  id = r.json.id;
  for (let i = 0; i < 3; i += 1) {
    const x = await d.api('POST', '/v1/calls', { who: 'li', headers: { 'Idempotency-Key': `more-${i}` }, body: { line: ['400', '9120', '2325'][i], caller_type: 'member', topics: ['stress'], risk: ['low', 'moderate', 'none'][i], notes: HOSTILE[1] } });
    assert.equal(x.status, 201, x.text);
  }
});
after(async () => { await browser?.close(); await d?.close(); });

// The page holds the hostile text as text, and nothing was made of it.
async function assertInert(page) {
  const found = await page.evaluate(() => ({
    img: document.querySelectorAll('img').length,
    scripts: [...document.scripts].map((s) => s.src),
    js: [...document.querySelectorAll('[href]')].map((a) => a.getAttribute('href')).filter((h) => /^javascript:/i.test(h)),
    handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
  }));
  assert.equal(found.img, 0, 'no <img> made from data');
  assert.ok(found.scripts.every((s) => /\/assets\/[^/]+\.js$/.test(s)), `only the console's scripts: ${found.scripts}`);
  assert.deepEqual(found.js, []);
  assert.equal(found.handlers, 0, 'no inline event handlers');
  await assertClean(page);
}

test('an operator sees hostile notes and names as text in the list, the call and the amend form', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'wang');
  await page.goto(`${d.url}/#/mine`);
  await page.getByRole('link', { name: `#${id}` }).waitFor();
  await shot(page, 'mine');
  await page.getByRole('link', { name: `#${id}` }).click();
  await page.getByText(HOSTILE[0], { exact: true }).waitFor();
  await page.getByText(HOSTILE[2], { exact: true }).waitFor();
  assert.equal(await page.locator('dt:text-is("来电者姓名") + dd').textContent(), HOSTILE[0]);
  assert.equal(await page.locator('dt:text-is("联系方式") + dd').textContent(), HOSTILE[2]);
  assert.equal(await page.locator('dt:text-is("备注") + dd').textContent(), NOTES);
  await shot(page, 'hostile-call');
  await assertInert(page);
  await page.getByRole('link', { name: '修改此来电' }).click();
  assert.equal(await page.getByLabel('备注', { exact: true }).inputValue(), NOTES);
  assert.equal(await page.getByLabel('来电者姓名').inputValue(), HOSTILE[0]);
  await assertInert(page);
  await context.close();
});

test('a counselor claims the call: notes and a hostile resolution show as text', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'zhao');
  await page.getByRole('button', { name: '领取“青岛市精神卫生中心”的下一条' }).click();
  await page.getByText(HOSTILE[0], { exact: true }).waitFor();
  await page.getByLabel('处理情况').fill(HOSTILE.join(' '));
  await page.getByRole('button', { name: '完成' }).click();
  await page.getByText('事项已完成。').waitFor();
  await page.getByText(HOSTILE.join(' '), { exact: true }).waitFor();
  await shot(page, 'hostile-item');
  await assertInert(page);
  await context.close();
});

test('a supervisor: today, the calls with their notes, statistics with a CSV, the monthly report, export', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'chen');
  await page.getByRole('heading', { name: '今日' }).waitFor();
  await page.getByText('今日来电').waitFor();
  await page.locator('.card .big').first().filter({ hasText: '4' }).waitFor();
  const first = await page.locator('.updated').textContent();
  await page.waitForFunction((t) => document.querySelector('.updated').textContent !== t, first, { timeout: 15000 });
  await shot(page, 'today');
  await assertInert(page);

  await page.goto(`${d.url}/#/mine/${id}`);
  await page.getByText(HOSTILE[0], { exact: true }).waitFor();
  await assertInert(page);

  await page.goto(`${d.url}/#/stats`);
  await page.getByLabel('按', { exact: true }).selectOption('risk');
  await page.getByLabel('再按').selectOption('line');
  await page.getByRole('button', { name: '统计', exact: true }).click();
  await page.locator('.chart canvas').waitFor();
  await page.getByRole('cell', { name: '高风险' }).first().waitFor();
  await shot(page, 'stats');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /下载表格/ }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.ok(csv.startsWith('\ufeff'), 'a byte-order mark for Excel and WPS');
  assert.match(csv, /风险等级/);
  assert.match(csv, /\r\n/);
  await assertInert(page);

  await page.goto(`${d.url}/#/report`);
  await page.getByRole('heading', { name: /心理援助热线 \d{4} 年 \d+ 月工作月报/ }).waitFor();
  await page.locator('.report-section canvas').first().waitFor();
  await shot(page, 'report');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.top').isVisible(), false, 'no navigation in print');
  await shot(page, 'report-print');
  await page.pdf({ path: 'build/screenshots/report.pdf', format: 'A4', printBackground: true });
  await page.emulateMedia({ media: 'screen' });
  await assertInert(page);

  await page.goto(`${d.url}/#/export`);
  const link = page.getByRole('link', { name: '下载导出文件' });
  await link.waitFor();
  await shot(page, 'export');
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const out = readFileSync(await dl.path(), 'utf8');
  assert.ok(out.startsWith('\ufeff'));
  assert.ok(out.includes('<img src=x onerror=alert(1)>'));
  await assertInert(page);
  await context.close();
});

test('an admin reads the audit trail with filters; a hostile sign-in name stays text', async () => {
  const { context, page } = await open(browser);
  await page.goto(`${d.url}/`);
  await page.getByLabel('用户名').fill(HOSTILE[1]);
  await page.getByLabel('密码').fill(HOSTILE[0]);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('用户名或密码不正确。').waitFor();
  await assertInert(page);
  await signIn(page, d.url, 'ops');
  await page.goto(`${d.url}/#/audit`);
  await page.getByRole('cell', { name: '查看来电' }).first().waitFor();
  await shot(page, 'audit');
  await page.getByLabel('操作人').fill('zhao');
  await page.getByLabel('动作').selectOption('item.complete');
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByRole('cell', { name: '完成事项' }).first().waitFor();
  assert.equal(await page.getByRole('cell', { name: '查看来电' }).count(), 0);
  await page.getByLabel('操作人').fill(HOSTILE[0]);
  await page.getByLabel('动作').selectOption('');
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByText('没有记录。').waitFor();
  await shot(page, 'audit-filtered');
  await assertInert(page);
  await context.close();
});
