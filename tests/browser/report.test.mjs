// Reporting an incident in the field staff view: the worker taps a place in
// their grid, fills in the form and sees the case created and routed to their
// grid and to themselves. The server runs on its own copy of the sample store
// (reporting writes).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';

import {
  clickLngLat, demoUsers, loadSample, openMap, screenshot, sourceDir, useServerAndBrowser, waitIdle,
} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});
const worker = demoUsers.worker;
const [workerGrid] = worker.grids;
const categories = JSON.parse(fs.readFileSync(path.join(sourceDir, 'data', 'categories.json'), 'utf8')).categories;
const categoryName = (code) => categories.find((c) => c.code === code).name;

// Waits for the report form and chooses the category once the list has come.
async function reportForm(page, category) {
  const form = page.locator('form.incident-form');
  await form.waitFor({timeout: 10000});
  await form.locator(`select[name="category"] option[value="${category}"]`).waitFor({state: 'attached', timeout: 10000});
  await form.locator('select[name="category"]').selectOption(category);
  return form;
}

async function submit(form, note) {
  await form.locator('textarea[name="description"]').fill(note);
  await form.locator('button.submit-report').click();
}

test('a worker reports an urgent incident in their grid and sees it routed to the grid and its street', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=field', {as: 'worker'});
  const category = categoryName('sanitation');
  const place = sample.pointIn(workerGrid);

  await page.locator('button.report-incident', {hasText: '上报事件'}).click();
  await page.locator('.incident-picking').waitFor({timeout: 10000});
  await clickLngLat(page, place);
  const form = await reportForm(page, category);
  const optionCount = await form.locator('select[name="category"] option').count();
  assert.equal(optionCount, categories.length + 1, 'every category of the server table, after the prompt');

  // A note is required before anything is sent.
  await submit(form, '  ');
  assert.equal(await form.locator('.form-error').textContent(), '请填写情况说明。');
  await form.locator('select[name="triage"]').selectOption({label: '紧急'});
  await submit(form, '楼道内堆放垃圾，气味较大');

  const card = page.locator('.incident-created');
  await card.waitFor({timeout: 15000});
  assert.equal(await card.getAttribute('data-grid'), workerGrid);
  const gridName = sample.grids.find((g) => g.properties.code === workerGrid).properties.name;
  assert.equal(await card.locator('[data-field="grid"]').textContent(), `${gridName}（${workerGrid}）`);
  assert.equal(await card.locator('[data-field="category"]').textContent(), category);
  assert.equal(await card.locator('[data-field="triage"]').textContent(), '紧急');
  // An urgent case goes to the street (DESIGN §5).
  const street = sample.grids.find((g) => g.properties.code === workerGrid.slice(0, 9)).properties;
  assert.equal(await card.locator('[data-field="assignee"]').textContent(), `街道：${street.name}（${street.code}）`);

  // The server stored what the form sent.
  const id = await card.getAttribute('data-id');
  const stored = await (await page.request.get(`${session.server.url}/incidents/${id}`)).json();
  assert.equal(stored.category, category);
  assert.equal(stored.triage, 'urgent');
  assert.equal(stored.source, '网格员巡查');
  assert.equal(stored.grid_code, workerGrid);
  assert.equal(stored.assignee, street.code);
  assert.ok(Math.abs(stored.lon - place[0]) < 1e-5 && Math.abs(stored.lat - place[1]) < 1e-5, 'stored at the tapped place');
  await screenshot(page, 'field-report');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a worker reports at the point just looked up and the case is assigned to them', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=field', {as: 'worker'});
  const place = sample.pointIn(workerGrid);
  await clickLngLat(page, place);
  await page.locator(`.lookup-card[data-code="${workerGrid}"]`).waitFor({timeout: 10000});
  await page.locator('button.report-here', {hasText: '在此处上报事件'}).click();
  await submit(await reportForm(page, categoryName('noise')), '夜间施工噪音');
  const card = page.locator('.incident-created');
  await card.waitFor({timeout: 15000});
  assert.equal(await card.getAttribute('data-grid'), workerGrid);
  assert.equal(await card.locator('[data-field="triage"]').textContent(), '一般');
  // A general case goes to the grid's A岗 (data/staff_grids.csv), who is the worker: it joins their list.
  assert.equal(await card.locator('[data-field="assignee"]').textContent(), '您本人');
  await page.locator(`.assigned-incidents li[data-id="${await card.getAttribute('data-id')}"]`).waitFor({timeout: 10000});
  await screenshot(page, 'field-report-here');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a report outside the worker\'s grids is refused with a Chinese message', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=field', {as: 'worker'});
  const other = sample.gridCodes.find((code) => code !== workerGrid);
  const place = sample.pointIn(other);
  await page.evaluate((center) => window.wanggeMap.jumpTo({center}), place);
  await waitIdle(page);
  await page.locator('button.report-incident').click();
  await page.locator('.incident-picking').waitFor({timeout: 10000});
  await clickLngLat(page, place);
  const form = await reportForm(page, categories[0].name);
  await submit(form, '越界上报');
  await form.locator('.form-error', {hasText: '上报失败：该记录不在您负责的网格范围内'}).waitFor({timeout: 10000});
  assert.equal(await page.locator('.incident-created').count(), 0);
  assert.deepEqual(errors, []);  // the browser's log of the refused POST is an expected refusal (harness)
  await page.close();
});
