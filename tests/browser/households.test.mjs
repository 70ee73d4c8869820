// Household upkeep from the map (issue #15, 实时采集、动态管理): a grid worker
// on a phone (touch, small viewport) adds a household that just moved in,
// which becomes a 五必访 on their due list; edits it, reads its change
// history and moves it out. The community's supervisor sees the month's
// change list (新增、迁出、标签变化) at the desk. The server runs on its own
// copy of the sample store (these tests write).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  demoPassword, demoUsers, loadSample, openMap, pagePoint, polygonContains, readCsv, screenshot, useServerAndBrowser,
  waitIdle,
} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});
const worker = demoUsers.worker;
const [workerGrid] = worker.grids;
const phone = {viewport: {width: 390, height: 844}, hasTouch: true, isMobile: true, as: 'worker'};
const month = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 7);

let movedOut = null;  // the household the first test moves out, for the supervisor's list
const gridGeometry = sample.grids.find((g) => g.properties.code === workerGrid).geometry;

// A free spot of the worker's grid: ~10 m from a sample household, inside the
// grid, and no nearer than that to any other household (a tap finds it alone).
function freeSpot() {
  const [lon, lat] = sample.pointIn(workerGrid);
  for (let turn = 0; turn < 16; turn++) {
    const angle = (turn * Math.PI) / 8;
    const spot = [lon + 0.00012 * Math.cos(angle), lat + 0.00009 * Math.sin(angle)];
    const crowded = sample.households.some(({lngLat}) => Math.hypot(lngLat[0] - spot[0], lngLat[1] - spot[1]) < 0.00008);
    if (polygonContains(gridGeometry, spot) && !crowded) return spot;
  }
  throw new Error('no free spot in the worker\'s grid');
}

async function tapLngLat(page, lngLat) {
  const point = await pagePoint(page, lngLat);
  await page.touchscreen.tap(point.x, point.y);
}

async function due(page) {
  return (await page.request.get(`${session.server.url}/visits/due?staff=${worker.staffId}`)).json();
}

// Taps the household drawn at lngLat (once the map has drawn it) and waits for its card.
async function openHouseholdCard(page, lngLat, id) {
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 19}), lngLat);
  await waitIdle(page);
  await page.waitForFunction(([ll, wanted]) => {
    const map = window.wanggeMap;
    const {x, y} = map.project(ll);
    return map.queryRenderedFeatures([[x - 4, y - 4], [x + 4, y + 4]], {layers: ['households']})
      .some((f) => Number(f.properties.id ?? f.id) === wanted);
  }, [lngLat, id], {timeout: 15000});
  await tapLngLat(page, lngLat);
  const card = page.locator(`.household-card[data-id="${id}"]`);
  await card.waitFor({timeout: 10000});
  return card;
}

test('a worker on a phone adds a new resident who becomes a must-visit, edits and moves them out', {timeout: 120000}, async () => {
  const {page, errors} = await openMap(session, '#view=field', phone);
  const before = await due(page);
  const place = freeSpot();

  await page.locator('button.add-household', {hasText: '新增住户'}).tap();
  await page.locator('.household-picking').waitFor({timeout: 10000});
  await tapLngLat(page, place);
  const form = page.locator('form.household-form');
  await form.waitFor({timeout: 10000});
  assert.equal(await form.locator('input[name="moved_in"]').inputValue(), new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10),
    'a new household moves in today unless told otherwise');
  // The form says what is missing before anything is sent.
  await form.locator('button.submit-household').tap();
  assert.equal(await form.locator('.form-error').textContent(), '请填写小区名称。');
  await form.locator('input[name="compound"]').fill('金桐西里');
  await form.locator('input[name="building"]').fill('9号楼');
  await form.locator('input[name="room"]').fill('9-901');
  await form.locator('input[name="members"]').fill('3');
  await form.locator('input[name="head_name"]').fill('钱七');
  await form.locator('label.tag', {hasText: '出租房'}).locator('input').check();
  await form.locator('button.submit-household').tap();
  const saved = page.locator('.household-saved', {hasText: '住户已新增'});
  await saved.waitFor({timeout: 15000});
  const id = Number(await saved.getAttribute('data-id'));

  // 五必访: the new resident is due at once, first among the must-visits' reasons.
  const after = await due(page);
  const entry = after.due.find((item) => item.household_id === id);
  assert.ok(entry, 'the new household is on the due list');
  assert.equal(entry.must_visit, true);
  assert.deepEqual(entry.reasons, ['新入住', '出租房']);
  await page.locator('.my-area h3', {hasText: `本月待走访 ${after.due.length} 户`}).waitFor({timeout: 10000});
  assert.equal(after.due.length, before.due.length + 1);
  await screenshot(page, 'field-household-added');

  // Edit: the card of the tapped household, its members changed.
  let card = await openHouseholdCard(page, place, id);
  await card.locator('button.edit-household').tap();
  const edit = page.locator(`form.household-form[data-id="${id}"]`);
  await edit.waitFor({timeout: 10000});
  assert.equal(await edit.locator('input[name="compound"]').inputValue(), '金桐西里');
  assert.equal(await edit.locator('input[name="head_name"]').inputValue(), '', 'masked names are never sent back');
  await edit.locator('input[name="members"]').fill('4');
  await edit.locator('button.submit-household').tap();
  await page.locator('.household-saved', {hasText: '住户信息已保存'}).waitFor({timeout: 15000});

  // Its history: added, then the members changed.
  card = await openHouseholdCard(page, place, id);
  await card.locator('button.household-history').tap();
  const history = page.locator(`.household-history[data-id="${id}"]`);
  await history.waitFor({timeout: 10000});
  const lines = await history.locator('li').allTextContents();
  assert.equal(lines.length, 2);
  assert.match(lines[0], /修改：人数/);
  assert.match(lines[1], /新增/);
  await screenshot(page, 'field-household-history');
  await history.locator('button.back').tap();

  // 迁出: gone from the due list and the map.
  card = await openHouseholdCard(page, place, id);
  await card.locator('button.move-out-household').tap();
  const moveOut = page.locator('form.move-out-form');
  await moveOut.waitFor({timeout: 10000});
  await moveOut.locator('button.submit-move-out').tap();
  await page.locator('.household-saved', {hasText: '住户已迁出'}).waitFor({timeout: 15000});
  assert.ok(!(await due(page)).due.some((item) => item.household_id === id), 'no longer due');
  movedOut = id;
  assert.deepEqual(errors, []);
  await page.close();
});

test('a worker on a phone records a visit to a shop of their grid', {timeout: 60000}, async () => {
  const facility = readCsv('facilities.csv')
    .find((f) => polygonContains(gridGeometry, [Number(f.lon), Number(f.lat)]));
  assert.ok(facility, 'the sample has a facility in the worker\'s grid');
  const lngLat = [Number(facility.lon), Number(facility.lat)];
  const {page, errors} = await openMap(session, '#view=field', phone);
  const before = await due(page);
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 19}), lngLat);
  await waitIdle(page);
  await tapLngLat(page, lngLat);
  const card = page.locator(`.facility-card[data-id="${facility.id}"]`);
  await card.waitFor({timeout: 10000});
  assert.equal(await card.locator('h2').textContent(), facility.name);
  await card.locator('button.record-visit').tap();
  const form = page.locator(`form.visit-form[data-facility="${facility.id}"]`);
  await form.locator('select[name="kind"][data-loaded]').waitFor({timeout: 10000});
  // A venue takes the kinds without a reason: no 五必访 or 特殊人群.
  const kinds = await form.locator('select[name="kind"] option').allTextContents();
  assert.ok(kinds.includes('日常走访') && !kinds.includes('五必访'), kinds.join(','));
  await form.locator('select[name="kind"]').selectOption('日常走访');
  await form.locator('textarea[name="note"]').fill('检查消防器材，通道畅通');
  await form.locator('button.submit-visit').tap();
  await page.locator('.visit-saved', {hasText: '走访已保存'}).waitFor({timeout: 10000});
  assert.equal((await due(page)).households_visited, before.households_visited, 'not part of the household quota');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the supervisor sees the month\'s household changes of the community', {timeout: 60000}, async () => {
  // Another new household and a tag change, as the worker's phone would send them.
  const context = await session.browser.newContext();
  await context.request.post(`${session.server.url}/auth/login`, {data: {username: 'worker', password: demoPassword}});
  const [lon, lat] = sample.pointIn(workerGrid);
  const created = await context.request.post(`${session.server.url}/households`, {
    data: {lon: lon - 0.00004, lat, compound: '金桐西里', building: '9号楼', room: '9-902', members: 2},
  });
  assert.equal(created.status(), 201, await created.text());
  const added = (await created.json()).id;
  // A household of the worker's grid without the 残疾人 tag gets it.
  const list = await (await context.request.get(
    `${session.server.url}/collections/households/items?grid_code=${workerGrid}&limit=1000`)).json();
  const retagged = list.features.find((f) => !(f.properties.tags || []).includes('残疾人'));
  const changed = await context.request.fetch(`${session.server.url}/households/${retagged.id}`, {
    method: 'PATCH', data: {tags: [...(retagged.properties.tags || []), '残疾人']},
  });
  assert.equal(changed.status(), 200, await changed.text());
  await context.close();

  const {page, errors} = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  const changes = page.locator('.household-changes');
  await changes.locator('.changes-added').waitFor({timeout: 15000});
  await changes.locator(`.changes-added li[data-id="${added}"]`).waitFor({timeout: 10000});
  assert.notEqual(movedOut, null, 'the first test moved a household out');
  await changes.locator(`.changes-moved_out li[data-id="${movedOut}"]`).waitFor({timeout: 10000});
  const line = changes.locator(`.changes-tags_changed li[data-id="${retagged.id}"]`);
  await line.waitFor({timeout: 10000});
  assert.match(await line.textContent(), /新增标签 .*残疾人/);
  assert.match(await changes.locator('h4').first().textContent(), /^新增 \d+ 户$/);
  assert.equal(await changes.locator('input[name="changes-month"]').inputValue(), month);
  assert.match(await changes.locator('a.download').getAttribute('href'), new RegExp(`stats/report\\.xlsx\\?month=${month}`));
  await screenshot(page, 'supervisor-household-changes');
  assert.deepEqual(errors, []);
  await page.close();
});
