// 15分钟生活圈 (issue 16): in the planner and supervisor views, picking a
// service kind draws the area no facility of the kind reaches under the grid
// lines, the facilities with their walking circles, and a table of the
// grids' covered shares, worst first.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {loadSample, openMap, screenshot, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser();

// The sample's one 菜市场 (data/facilities.csv): 500 m reach a part of the community only.
const market = 'market';

async function chooseKind(page, kind) {
  const select = page.locator('select[name="service-kind"]');
  await select.locator(`option[value="${kind}"]`).waitFor({state: 'attached', timeout: 10000});
  await select.selectOption(kind);
  await page.locator('.service-table tbody tr').first().waitFor({timeout: 20000});
  await page.waitForFunction(() => window.wanggeMap.getLayer('service-uncovered-fill') !== undefined, null, {timeout: 10000});
  await waitIdle(page);
}

function drawn(page, layer) {
  return page.evaluate((id) => window.wanggeMap.queryRenderedFeatures({layers: [id]}).map((f) => f.properties), layer);
}

test('the planner sees the uncovered area, the circles and the shares of a service kind', {timeout: 90000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  await chooseKind(page, market);

  const uncovered = await drawn(page, 'service-uncovered-fill');
  assert.ok(uncovered.length > 0, 'the uncovered area is drawn');
  assert.ok(uncovered.every((p) => p.kind === market && p.uncovered_m2 > 0));
  const facilities = await drawn(page, 'service-facility-points');
  assert.ok(facilities.length >= 1, 'the market is drawn');
  assert.ok((await drawn(page, 'service-circle-line')).length >= 1, 'its circle is drawn');

  // Under the grid lines, above the grid fill.
  const order = await page.evaluate(() => window.wanggeMap.getStyle().layers.map((layer) => layer.id));
  assert.ok(order.indexOf('service-uncovered-fill') < order.indexOf('grid-line'), 'under the grid lines');

  // One row per grid of the sample, the lowest share first.
  const rows = await page.locator('.service-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    code: tr.dataset.code, share: tr.querySelector('.share').textContent})));
  assert.deepEqual(rows.map((row) => row.code).sort(), sample.gridCodes);
  const shares = rows.map((row) => (row.share === '—' ? Infinity : Number.parseFloat(row.share)));
  assert.deepEqual(shares, [...shares].sort((a, b) => a - b), 'worst first');
  assert.match(await page.locator('.service-total').textContent(), /^菜市场\/商业（直线距离 500 米内）：覆盖 \d+\/\d+ 户/);
  await screenshot(page, 'service-circles-planner');

  // Another kind replaces the layers' data; 不显示 removes them.
  await chooseKind(page, 'health');
  assert.ok((await drawn(page, 'service-facility-points')).length >= 2, 'both health stations');
  await page.locator('select[name="service-kind"]').selectOption('');
  await waitIdle(page);
  assert.equal(await page.evaluate(() => window.wanggeMap.getLayer('service-uncovered-fill')), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the supervisor has the same control', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  await chooseKind(page, market);
  assert.ok((await drawn(page, 'service-uncovered-fill')).length > 0);
  assert.ok(await page.locator('.service-table tbody tr').count() > 0);
  assert.deepEqual(errors, []);
  await page.close();
});
