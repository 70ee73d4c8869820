// Dedicated grids (专属网格, issue #16 item 7): the sample's school and market
// grids lie over the base grids. The supervisor at a desk sees them on the map
// and on the grid card with their purpose and own staff; a case reported inside
// goes to that staff; a worker on a phone who taps inside one sees it on the
// lookup card; a planner draws a new one in a draft and publishes it. The
// server runs on its own copy of the sample store (these tests write).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  drawSquare, loadSample, openMap, pagePoint, readCsv, renderedCodes, screenshot, useServerAndBrowser, waitIdle,
} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});
const phone = {viewport: {width: 390, height: 844}, hasTouch: true, isMobile: true, as: 'worker'};

const staffName = new Map(readCsv('staff.csv').map((s) => [s.id, s.name]));
const primaryOf = (code) => readCsv('staff_grids.csv').find((l) => l.grid_code === code && l.duty === 'A').staff_id;
const byPurpose = (purpose) => sample.dedicated.find((g) => g.properties.purpose === purpose);
const school = byPurpose('学校');
const market = byPurpose('市场');
// A point a quarter of the way into a rectangular grid from its south-west corner.
const inside = (grid) => {
  const ring = grid.geometry.coordinates[0];
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return [Math.min(...xs) * 0.75 + Math.max(...xs) * 0.25, Math.min(...ys) * 0.75 + Math.max(...ys) * 0.25];
};

test('the supervisor sees the dedicated grids, their purpose and own staff', {timeout: 60000}, async () => {
  const code = school.properties.code;
  const {page, errors} = await openMap(session, `#view=supervisor&grid=${code}`, {as: 'supervisor'});
  const card = page.locator(`.grid-card[data-code="${code}"]`);
  await card.waitFor({timeout: 10000});
  assert.equal(await card.locator('h2').textContent(), school.properties.name);
  assert.equal(await card.locator('.code').textContent(), `专属网格编码 ${code}`);
  assert.equal(await card.locator('.purpose').textContent(), '专属类型：学校');
  assert.ok((await card.locator('.staff-name').allTextContents()).includes(staffName.get(primaryOf(code))));
  await waitIdle(page);
  assert.deepEqual(await renderedCodes(page, 'dedicated-fill'), sample.dedicated.map((g) => g.properties.code).sort());
  assert.match(await page.locator('.legend').textContent(), /专属网格/);
  await screenshot(page, 'dedicated-supervisor');

  // A general case reported inside goes to the school grid's own A岗.
  const [lon, lat] = inside(school);
  const reported = await page.request.post(`${session.server.url}/incidents`, {
    data: {category: '公共设施损坏', triage: 'general', source: '网格员巡查', description: '校门口护栏松动', lon, lat},
  });
  assert.equal(reported.status(), 201, await reported.text());
  const incident = await reported.json();
  assert.equal(incident.grid_code, code);
  assert.equal(incident.assignee, primaryOf(code));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a worker on a phone taps inside the market grid and sees it on the lookup card', {timeout: 60000}, async () => {
  const code = market.properties.code;
  const where = inside(market);
  const {page, errors} = await openMap(session, '#view=field', phone);
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 17}), where);
  await waitIdle(page);
  const point = await pagePoint(page, where);
  await page.touchscreen.tap(point.x, point.y);
  const section = page.locator(`.lookup-card section.dedicated[data-code="${code}"]`);
  await section.waitFor({timeout: 10000});
  assert.equal(await section.locator(':scope > h3').textContent(), `专属网格：${market.properties.name}（市场）`);
  assert.ok((await section.locator('.staff-name').allTextContents()).includes(staffName.get(primaryOf(code))));
  await screenshot(page, 'dedicated-field');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a planner draws a dedicated grid in a draft and publishes it', {timeout: 90000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  await page.locator('button.new-draft').click();
  const editor = page.locator('.draft-editor[data-draft]');
  await editor.waitFor({timeout: 15000});
  const where = sample.pointIn(sample.gridCodes[4]);
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 17}), where);
  await waitIdle(page);
  await editor.locator('select[name="dedicated-purpose"]').selectOption('产业园区');
  await editor.locator('button.add-dedicated-grid').click();
  await drawSquare(page, where, 40);
  const report = page.locator('.draft-report[data-kind="edit"]');
  await report.waitFor({timeout: 15000});
  // Over the base grids, yet no overlap and no gap: only the missing A岗 of the new grid.
  assert.equal(await report.locator('.violations li[data-rule="overlap"], .violations li[data-rule="gap"]').count(), 0);
  const added = await page.locator('select[name="draft-grid"]').inputValue();
  assert.match(added, /^\d{12}90[2-9]$/, 'numbered after the dedicated grids in use');

  await editor.locator('button.validate-draft').click();
  const full = page.locator('.draft-report[data-kind="full"] [data-valid]');
  await full.waitFor({timeout: 15000});
  assert.equal(await full.getAttribute('data-valid'), 'true');
  await page.locator('button.publish-draft').click();
  const confirmation = page.locator('.publish-confirmation');
  await confirmation.waitFor({timeout: 15000});
  await confirmation.locator('button.confirm-publish').click();
  await page.locator('.publish-result').waitFor({timeout: 20000});
  const published = await page.evaluate(() => fetch('../collections/grids/items?level=dedicated')
    .then((response) => response.json()).then((answer) => answer.features.map((f) => f.properties)));
  const mine = published.find((p) => p.code === added);
  assert.ok(mine, JSON.stringify(published));
  assert.equal(mine.purpose, '产业园区');
  assert.equal(published.length, sample.dedicated.length + 1);
  await screenshot(page, 'dedicated-planner');
  assert.deepEqual(errors, []);
  await page.close();
});
