// The care register in the console: a liaison lands on their people,
// overdue first, opens one (family, contacts, difficulties, calls),
// records a contact, raises a difficulty and resolves it; a hostile name
// shows as text. A supervisor sees everyone and the open difficulties,
// imports a unit's form (a dry run listing its bad rows, then a good
// one) and has the export link. Chinese first; screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, launch, open, assertClean, shot, signIn, TOP } from './harness.mjs';

const HOSTILE = '<img src=x onerror=alert(1)>';
let d;
let browser;
let pid;
before(async () => {
  d = await new Daemon().start();
  browser = await launch();
  const r = await d.api('POST', '/v1/care/people', {
    body: {
      name: '张三', gender: '男', category: '护士', post: '主管护师', phone: '13800001111',
      unit: '青岛市市立医院', team: '援鄂医疗队', liaison: 'sun', start_date: '2020-02-01',
      family: [{ name: HOSTILE, relation: '配偶', phone: '13900002222' }],
    },
  });
  assert.equal(r.status, 201, r.text);
  pid = r.json.id;
  const o = await d.api('POST', '/v1/care/people', {
    body: { name: '王五', phone: '13700003333', unit: '青岛大学附属医院', team: 'designated', liaison: 'wu' },
  });
  assert.equal(o.status, 201, o.text);
});
after(async () => { await browser?.close(); await d?.close(); });

test('a liaison works their people: overdue first, a contact, a difficulty raised and resolved', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'sun');
  await page.getByRole('heading', { name: '我联系的关爱人员' }).waitFor();
  await page.getByRole('link', { name: '张三' }).waitFor();
  assert.equal(await page.getByRole('link', { name: '王五' }).count(), 0, 'only their own people');
  assert.equal(await page.getByText('逾期', { exact: true }).count(), 1);
  await shot(page, 'care-liaison-list');
  await page.getByRole('link', { name: '张三' }).click();
  await page.getByRole('heading', { name: '家属' }).waitFor();
  await page.getByText(HOSTILE, { exact: true }).waitFor();
  assert.equal(await page.locator('img').count(), 0);
  await page.getByLabel('方式').selectOption('visit');
  await page.getByLabel('情况').fill('送去口罩和蔬菜');
  await page.getByRole('button', { name: '记录联系' }).click();
  await page.getByText(/已记录联系，下次联系日期：/).waitFor();
  await page.getByText('送去口罩和蔬菜').waitFor();
  await page.getByLabel('类别').selectOption('childcare');
  await page.getByLabel('困难描述').fill('孩子上网课无人照看');
  await page.getByRole('button', { name: '登记困难' }).click();
  await page.getByText('已登记困难。').waitFor();
  await shot(page, 'care-person');
  await page.getByLabel('解决情况').fill('社区志愿者每日照看');
  await page.getByRole('button', { name: '办结' }).click();
  await page.getByText('困难已办结。').waitFor();
  await page.getByText('社区志愿者每日照看').waitFor();
  await assertClean(page);
  await page.goto(`${d.url}/#/care/${pid + 1}`);
  await page.getByRole('alert').waitFor();
  await context.close();
});

test('a supervisor sees everyone and open difficulties, imports a form with a dry run, and exports', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'chen');
  await page.goto(`${d.url}/#/care`);
  await page.getByRole('heading', { name: '关爱登记（全部）' }).waitFor();
  await page.getByRole('link', { name: '王五' }).waitFor();
  await page.getByRole('heading', { name: '未解决的困难' }).waitFor();
  const fixtures = join(TOP, 'tests', 'fixtures', 'care');
  await page.getByLabel('报表文件（xlsx、xls、CSV）').setInputFiles(join(fixtures, 'bad_rows.csv'));
  await page.getByRole('button', { name: '导入' }).click();
  await page.getByText(/处问题，未导入任何内容/).waitFor();
  await page.getByRole('columnheader', { name: '行号' }).waitFor();
  await shot(page, 'care-import-problems');
  await page.getByLabel('报表文件（xlsx、xls、CSV）').setInputFiles(join(fixtures, 'aid_utf8.csv'));
  await page.getByRole('button', { name: '导入' }).click();
  await page.getByText(/试运行：共 3 行，可新增 3 人/).waitFor();
  await page.getByLabel('试运行（只检查，不保存）').uncheck();
  await page.getByLabel('联系人', { exact: true }).last().fill('wu');
  await page.getByRole('button', { name: '导入' }).click();
  await page.getByText(/已导入：共 3 行，新增 3 人/).waitFor();
  await page.getByRole('button', { name: '查询' }).first().click();
  await page.getByRole('link', { name: '刘洋' }).waitFor();
  const href = await page.getByRole('link', { name: '下载' }).getAttribute('href');
  assert.match(href, /^\/v1\/care\/export\?layout=aid_team&format=xlsx$/);
  await shot(page, 'care-supervisor');
  await assertClean(page);
  await context.close();
  assert.ok(readFileSync(join(fixtures, 'aid_utf8.csv')).length > 0);
});

test('operators and counselors have no care register in their navigation', async () => {
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'zhao');
  await page.getByRole('navigation').waitFor();
  assert.equal(await page.getByRole('link', { name: '关爱登记' }).count(), 0);
  await context.close();
});

test('an operator sees that a caller matches a registered phone and links the call', async () => {
  const r = await d.api('POST', '/v1/calls', {
    who: 'wang',
    headers: { 'Idempotency-Key': 'care-link-1' },
    body: { line: '400', caller_type: 'aid_team_family', topics: ['family'], risk: 'low', caller_number: '139 0000 2222' },
  });
  assert.equal(r.status, 201, r.text);
  const { context, page } = await open(browser);
  await signIn(page, d.url, 'wang');
  await page.goto(`${d.url}/#/mine/${r.json.id}`);
  await page.getByText('来电号码与关爱登记中的一名人员相符（联系人：sun）。').waitFor();
  await page.getByRole('button', { name: '关联到该关爱人员' }).click();
  await page.getByText('来电者已在关爱登记中，联系人：sun。').waitFor();
  assert.equal(await page.getByRole('button', { name: '关联到该关爱人员' }).count(), 0);
  await shot(page, 'care-on-call');
  await assertClean(page);
  await context.close();
  const p = await d.api('GET', `/v1/care/people/${pid}`);
  assert.deepEqual(p.json.calls.map((c) => c.call_id), [r.json.id]);
});
