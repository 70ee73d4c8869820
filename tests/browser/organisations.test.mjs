// The organisation layer (组织 of 人、地、物、情、事、组织; issue #16 item 2):
// the supervisor at a desk sees a grid's organisations in the grid panel,
// grouped by category with their contacts, and drawn on the map in their own
// layer; a grid worker on a phone taps their grid's 物业 and records a visit
// to it. The server runs on its own copy of the sample store (a visit writes).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  demoUsers, loadSample, openMap, pagePoint, polygonContains, readCsv, screenshot, useServerAndBrowser, waitIdle,
} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});
const [workerGrid] = demoUsers.worker.grids;
const gridGeometry = sample.grids.find((g) => g.properties.code === workerGrid).geometry;
const phone = {viewport: {width: 390, height: 844}, hasTouch: true, isMobile: true, as: 'worker'};

// The organisations of data/organisations.csv, and the shops (商铺, 企业商户) among the facilities.
const organisations = [...readCsv('organisations.csv'), ...readCsv('facilities.csv').filter((f) => f.kind === '商铺')]
  .map((o) => ({...o, lngLat: [Number(o.lon), Number(o.lat)]}));
const ofWorkerGrid = organisations.filter((o) => polygonContains(gridGeometry, o.lngLat));

test('the supervisor sees a grid\'s organisations by category, with contacts, and on the map', {timeout: 60000}, async () => {
  assert.ok(ofWorkerGrid.some((o) => o.kind === '物业') && ofWorkerGrid.some((o) => o.kind === '网格党支部'),
    'the sample has a 物业 and a 网格党支部 in the worker\'s grid');
  const {page, errors} = await openMap(session, `#view=supervisor&grid=${workerGrid}`, {as: 'supervisor'});
  const section = page.locator(`section.organisations[data-code="${workerGrid}"]`);
  await section.locator('.organisation-group').first().waitFor({timeout: 10000});
  assert.equal(await section.locator('h3').textContent(), `组织（${ofWorkerGrid.length} 个）`);
  const property = ofWorkerGrid.find((o) => o.kind === '物业');
  const item = section.locator(`.organisation-group[data-category="物业"] li[data-id="${property.id}"]`);
  assert.match(await item.textContent(), new RegExp(`${property.name}.*服务小区：${property.compound}.*联系人：${property.contact_name}`));
  assert.equal(await item.locator('a').getAttribute('href'), `tel:${property.contact_phone}`);
  assert.equal(await section.locator('.organisation-group[data-category="党组织"] li').count(),
    ofWorkerGrid.filter((o) => ['网格党支部', '小区党支部', '党群微家'].includes(o.kind)).length);

  // Drawn in the organisation layer (coloured by category), not among the facilities.
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 18}), property.lngLat);
  await waitIdle(page);
  const drawn = await page.evaluate((ll) => {
    const {x, y} = window.wanggeMap.project(ll);
    const box = [[x - 6, y - 6], [x + 6, y + 6]];
    return {
      organisations: window.wanggeMap.queryRenderedFeatures(box, {layers: ['organisations']}).map((f) => f.properties),
      facilities: window.wanggeMap.queryRenderedFeatures(box, {layers: ['facilities']}).length,
    };
  }, property.lngLat);
  assert.ok(drawn.organisations.some((p) => p.name === property.name && p.category === '物业'), JSON.stringify(drawn));
  assert.equal(drawn.facilities, 0);
  const legend = await page.locator('.legend').textContent();
  for (const category of ['党组织', '物业', '业委会']) assert.ok(legend.includes(category), legend);
  await screenshot(page, 'organisations-supervisor');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a worker on a phone taps the 物业 of their grid and records a visit to it', {timeout: 60000}, async () => {
  const property = ofWorkerGrid.find((o) => o.kind === '物业');
  const {page, errors} = await openMap(session, '#view=field', phone);
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 19}), property.lngLat);
  await waitIdle(page);
  const point = await pagePoint(page, property.lngLat);
  await page.touchscreen.tap(point.x, point.y);
  const card = page.locator(`.facility-card[data-id="${property.id}"]`);
  await card.waitFor({timeout: 10000});
  assert.equal(await card.locator('h2').textContent(), property.name);
  assert.equal(await card.locator('.category').textContent(), '组织类别：物业');
  assert.equal(await card.locator('.compound').textContent(), `服务小区：${property.compound}`);
  await card.locator('button.record-visit').tap();
  const form = page.locator(`form.visit-form[data-facility="${property.id}"]`);
  await form.locator('select[name="kind"][data-loaded]').waitFor({timeout: 10000});
  await form.locator('select[name="kind"]').selectOption('日常走访');
  await form.locator('textarea[name="note"]').fill('与物业核对消防通道和电动车充电管理');
  await form.locator('button.submit-visit').tap();
  await page.locator('.visit-saved', {hasText: '走访已保存'}).waitFor({timeout: 10000});
  await screenshot(page, 'organisations-field');
  assert.deepEqual(errors, []);
  await page.close();
});
