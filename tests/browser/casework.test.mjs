// Field and case work from the map (issue #15): a grid worker on a phone
// (touch, small viewport) records visits at the door, once without network,
// and the roles walk a case from report to closure with the buttons the
// server allows each of them. The server runs on its own copy of the sample
// store (these tests write).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  caseButtons, demoPassword, demoUsers, loadSample, openCaseOnMap, openMap, pagePoint, polygonContains, screenshot, useServerAndBrowser, waitIdle,
} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});
const worker = demoUsers.worker;
const [workerGrid] = worker.grids;
const phone = {viewport: {width: 390, height: 844}, hasTouch: true, isMobile: true, as: 'worker'};

async function tapLngLat(page, lngLat) {
  const point = await pagePoint(page, lngLat);
  await page.touchscreen.tap(point.x, point.y);
}

async function due(page) {
  return (await page.request.get(`${session.server.url}/visits/due?staff=${worker.staffId}`)).json();
}

// The visits.record audit entries of one phone key, read as the admin.
async function recordsOfKey(clientKey) {
  const context = await session.browser.newContext();
  await context.request.post(`${session.server.url}/auth/login`, {data: {username: 'admin', password: demoPassword}});
  const audit = await (await context.request.get(`${session.server.url}/audit?action=visits.record&limit=500`)).json();
  await context.close();
  return audit.entries.filter((entry) => entry.detail.includes(`client_key ${clientKey}`)).length;
}

async function fillVisit(page, {kind, note}) {
  const form = page.locator('form.visit-form');
  await form.waitFor({timeout: 10000});
  await form.locator('select[name="kind"][data-loaded]').waitFor({timeout: 10000});
  await form.locator('select[name="kind"]').selectOption(kind);
  if (await form.locator('.visit-reason').isVisible()) {
    await form.locator('select[name="reason"]').selectOption({index: 1});
  }
  await form.locator('textarea[name="note"]').fill(note);
  await form.locator('button.submit-visit').tap();
}

test('a worker on a phone records a visit from a household on the map and from the due list', {timeout: 90000}, async () => {
  const {page, errors} = await openMap(session, '#view=field', phone);
  const before = await due(page);

  // From the map: tap a household of the worker's grid.
  const grid = sample.grids.find((g) => g.properties.code === workerGrid);
  const household = sample.households.find((h) => polygonContains(grid.geometry, h.lngLat));
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 19}), household.lngLat);
  await waitIdle(page);
  await tapLngLat(page, household.lngLat);
  const card = page.locator('.household-card');
  await card.waitFor({timeout: 10000});
  await card.locator('button.record-visit').tap();
  await fillVisit(page, {kind: '日常走访', note: '入户了解情况，居民反映楼道灯不亮'});
  await page.locator('.visit-saved', {hasText: '走访已保存'}).waitFor({timeout: 10000});

  // From the due list: the first household still due.
  const dueItem = page.locator('.visits-due li').first();
  const dueId = Number(await dueItem.getAttribute('data-id'));
  await dueItem.locator('button.record-visit').tap();
  await fillVisit(page, {kind: '特殊人群', note: '老人身体尚好'});
  await page.locator('.visit-saved').waitFor({timeout: 10000});
  await page.locator(`.visits-due li[data-id="${dueId}"]`).waitFor({state: 'detached', timeout: 10000});

  const after = await due(page);
  assert.ok(after.households_visited > before.households_visited, 'the month\'s count went up');
  assert.ok(!after.due.some((d) => d.household_id === dueId), 'the visited household is no longer due');
  assert.match(await page.locator('.visit-quota').textContent(), new RegExp(`本月已走访 ${after.households_visited} 户`));
  await screenshot(page, 'field-visit');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a visit recorded without network waits on the phone and is sent once when the network is back', {timeout: 90000}, async () => {
  const {page, errors} = await openMap(session, '#view=field', phone);
  const before = await due(page);
  const dueItem = page.locator('.visits-due li').first();
  const dueId = Number(await dueItem.getAttribute('data-id'));

  // The field view keeps the visit kinds for use offline.
  await page.waitForFunction(() => localStorage.getItem('wangge.visitKinds') !== null, null, {timeout: 10000});
  await page.context().setOffline(true);
  await dueItem.locator('button.record-visit').tap();
  await fillVisit(page, {kind: '五必访', note: '离线记录：新入住家庭'});
  await page.locator('.visit-saved', {hasText: '联网后自动发送'}).waitFor({timeout: 10000});
  const pending = page.locator('.visit-pending');
  assert.equal(await pending.count(), 1);
  assert.match(await pending.textContent(), /待发送/);
  const [queued] = await page.evaluate((name) => JSON.parse(localStorage.getItem(`wangge.pendingVisits.${name}`)), 'worker');
  await screenshot(page, 'field-visit-offline');

  await page.context().setOffline(false);
  await pending.waitFor({state: 'detached', timeout: 15000});
  await page.locator(`.visits-due li[data-id="${dueId}"]`).waitFor({state: 'detached', timeout: 10000});
  const after = await due(page);
  assert.equal(after.households_visited, before.households_visited + 1);
  assert.equal(await recordsOfKey(queued.visit.client_key), 1, 'stored once');

  // Sent again (the phone never heard the answer): the stored visit comes back, nothing is added.
  const replay = await page.request.post(`${session.server.url}/visits`, {data: queued.visit});
  assert.equal(replay.status(), 200);
  assert.equal(Date.parse((await replay.json()).at), Date.parse(queued.visit.at), 'the phone\'s time is kept');
  assert.equal(await recordsOfKey(queued.visit.client_key), 1, 'still once');
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e)), []);
  await page.close();
});

const buttonsOf = caseButtons;

async function act(page, id, action, {reason} = {}) {
  const card = page.locator(`.case-card[data-id="${id}"]`);
  await card.locator(`button.case-action[data-action="${action}"]`).click();
  const form = card.locator(`form.case-action-form[data-action="${action}"]`);
  if (reason) await form.locator('textarea[name="reason"]').fill(reason);
  await form.locator('button.confirm-action').click();
}

test('each role sees only its buttons and walks a case from report to closure', {timeout: 120000}, async () => {
  const field = await openMap(session, '#view=field', phone);
  const [lon, lat] = sample.pointIn(workerGrid);
  const reported = await field.page.request.post(`${session.server.url}/incidents`, {
    data: {category: '违法建设', triage: 'general', source: '网格员巡查', description: '楼顶私搭乱建', lon, lat}});
  assert.equal(reported.status(), 201);
  const incident = await reported.json();
  const id = incident.id;

  const command = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  const sup = command.page;
  await openCaseOnMap(sup, incident);
  assert.deepEqual(await buttonsOf(sup, id, 'reported'), ['file', 'void']);
  await act(sup, id, 'file');
  assert.deepEqual(await buttonsOf(sup, id, 'filed'), ['void', 'dispatch', 'dispatch_department']);
  await act(sup, id, 'dispatch');
  assert.deepEqual(await buttonsOf(sup, id, 'dispatched'), ['accept', 'extend', 'suspend', 'dispatch_department']);
  // Extending asks for what the state machine needs before anything is sent.
  await sup.locator('button.case-action[data-action="extend"]').click();
  await sup.locator('form.case-action-form[data-action="extend"] button.confirm-action').click();
  assert.equal(await sup.locator('form.case-action-form .form-error').textContent(), '请填写延期原因。');

  // The worker's phone: the case is in their list; they may only accept it, then report the result.
  const page = field.page;
  await page.reload();
  await page.waitForFunction(() => window.wanggeReady !== undefined);
  await page.evaluate(() => window.wanggeReady);
  await page.locator(`.assigned-incidents li[data-id="${id}"]`).tap();
  assert.deepEqual(await buttonsOf(page, id, 'dispatched'), ['accept']);
  await act(page, id, 'accept');
  assert.deepEqual(await buttonsOf(page, id, 'in_progress'), ['resolve']);
  await act(page, id, 'resolve', {reason: '已拆除违建'});
  assert.deepEqual(await buttonsOf(page, id, 'resolved'), ['verify', 'return']);
  await screenshot(page, 'field-case');

  // The supervisor verifies and closes; closing is refused to the worker over HTTP.
  await openCaseOnMap(sup, incident);
  await act(sup, id, 'verify');
  assert.deepEqual(await buttonsOf(sup, id, 'verified'), ['return', 'close']);
  const refused = await page.request.post(`${session.server.url}/incidents/${id}/transitions`, {data: {action: 'close'}});
  assert.equal(refused.status(), 403);
  assert.ok((await refused.json()).error.message_zh);
  await act(sup, id, 'close');
  await sup.locator(`.case-card[data-id="${id}"][data-state="closed"] .no-actions`).waitFor({timeout: 10000});
  const history = await sup.locator(`.case-card[data-id="${id}"] .case-history li`).count();
  assert.equal(history, 7, 'reported, filed, dispatched, accepted, resolved, verified, closed');
  await screenshot(sup, 'supervisor-case');
  assert.deepEqual(field.errors, []);
  assert.deepEqual(command.errors, []);
  await sup.close();
  await page.close();
});
