// Field and case work from the map (issue #15): a grid worker on a phone
// (touch, small viewport) records visits at the door, once without network;
// reports a case with a photo, and the roles walk it to closure with the
// buttons the server allows each of them (the result with an after-photo);
// an urgent case nobody accepts appears live on the supervisor's escalation
// notice. The server runs on its own copy of the sample store (these tests
// write), with urgent cases escalating after 6 s instead of 30 minutes.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {
  caseButtons, demoPassword, demoUsers, loadSample, openCaseOnMap, openMap, pagePoint, polygonContains, screenshot,
  sourceDir, useServerAndBrowser, waitIdle,
} from './harness.mjs';

// The shipped category table with a short acceptance limit for urgent cases.
function quickEscalation() {
  const table = JSON.parse(fs.readFileSync(path.join(sourceDir, 'data', 'categories.json'), 'utf8'));
  table.escalation_minutes = {urgent: 0.1};
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-categories-')), 'categories.json');
  fs.writeFileSync(file, JSON.stringify(table));
  return file;
}

const sample = loadSample();
const session = useServerAndBrowser({writable: true, categories: quickEscalation()});
const photo = {name: 'case-photo.jpg', mimeType: 'image/jpeg',
  buffer: fs.readFileSync(path.join(sourceDir, 'tests', 'browser', 'fixtures', 'case-photo.jpg'))};
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

async function act(page, id, action, {reason, withPhoto = false} = {}) {
  const card = page.locator(`.case-card[data-id="${id}"]`);
  await card.locator(`button.case-action[data-action="${action}"]`).click();
  const form = card.locator(`form.case-action-form[data-action="${action}"]`);
  if (reason) await form.locator('textarea[name="reason"]').fill(reason);
  if (withPhoto) await form.locator('input[type="file"][name="photo"]').setInputFiles(photo);
  await form.locator('button.confirm-action').click();
}

// The stages of the photos the open case page shows, once `count` are there.
async function photosOf(page, id, count) {
  const figures = page.locator(`.case-card[data-id="${id}"] .case-photo`);
  await page.waitForFunction(([selector, n]) => document.querySelectorAll(selector).length === n,
    [`.case-card[data-id="${id}"] .case-photo`, count], {timeout: 10000});
  return figures.evaluateAll((nodes) => nodes.map((n) => [n.dataset.stage, n.querySelector('.photo-caption').textContent]));
}

test('a case reported on the phone with a photo is walked to closure by each role with its buttons', {timeout: 120000}, async () => {
  const field = await openMap(session, '#view=field', phone);
  const [lon, lat] = sample.pointIn(workerGrid);
  // The worker's phone: 上报事件, a tap on the place, the form with a photo from the camera.
  await field.page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 17}), [lon, lat]);
  await waitIdle(field.page);
  await field.page.locator('button.report-incident', {hasText: '上报事件'}).tap();
  await field.page.locator('.incident-picking').waitFor({timeout: 10000});
  await tapLngLat(field.page, [lon, lat]);
  const form = field.page.locator('form.incident-form');
  await form.locator('select[name="category"] option[value="违法建设"]').waitFor({state: 'attached', timeout: 10000});
  await form.locator('select[name="category"]').selectOption('违法建设');
  await form.locator('textarea[name="description"]').fill('楼顶私搭乱建');
  assert.equal(await form.locator('input[type="file"][name="photo"]').getAttribute('accept'), 'image/jpeg,image/png,image/*');
  await form.locator('input[type="file"][name="photo"]').setInputFiles(photo);
  await form.locator('button.submit-report').tap();
  const created = field.page.locator('.incident-created');
  await created.locator('.photo-uploaded', {hasText: '现场照片已上传'}).waitFor({timeout: 15000});
  const id = Number(await created.getAttribute('data-id'));
  const incident = await (await field.page.request.get(`${session.server.url}/incidents/${id}`)).json();
  const photos = await (await field.page.request.get(`${session.server.url}/incidents/${id}/photos`)).json();
  assert.equal(photos.photos.length, 1);
  assert.equal(photos.photos[0].stage_zh, '处置前');
  assert.ok(Math.abs(photos.photos[0].location.lon - 116.405) < 1e-4, 'the EXIF position is kept');

  const command = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  const sup = command.page;
  await openCaseOnMap(sup, incident);
  assert.deepEqual(await caseButtons(sup, id, 'reported'), ['file', 'void']);
  await act(sup, id, 'file');
  assert.deepEqual(await caseButtons(sup, id, 'filed'), ['void', 'dispatch', 'dispatch_department']);
  await act(sup, id, 'dispatch');
  assert.deepEqual(await caseButtons(sup, id, 'dispatched'), ['accept', 'extend', 'suspend', 'dispatch_department']);
  // Extending asks for what the state machine needs before anything is sent.
  await sup.locator('button.case-action[data-action="extend"]').click();
  await sup.locator('form.case-action-form[data-action="extend"] button.confirm-action').click();
  assert.equal(await sup.locator('form.case-action-form .form-error').textContent(), '请填写延期原因。');

  // The worker's phone: the case is in their list; they may only accept it, then report the result.
  const page = field.page;
  // The report selected its grid (in the URL hash): back to the view's start, where the worker's cases are.
  await page.evaluate(() => { window.location.hash = '#view=field'; });
  await page.reload();
  await page.waitForFunction(() => window.wanggeReady !== undefined);
  await page.evaluate(() => window.wanggeReady);
  await page.locator(`.assigned-incidents li[data-id="${id}"]`).tap();
  assert.deepEqual(await caseButtons(page, id, 'dispatched'), ['accept']);
  await act(page, id, 'accept');
  assert.deepEqual(await caseButtons(page, id, 'in_progress'), ['resolve']);
  assert.deepEqual(await photosOf(page, id, 1), [['report', '处置前（worker）']]);
  assert.match(await page.locator(`.case-card[data-id="${id}"] .photo-place`).textContent(), /116\.40500, 39\.90500/);
  await act(page, id, 'resolve', {reason: '已拆除违建', withPhoto: true});
  assert.deepEqual(await caseButtons(page, id, 'resolved'), ['verify', 'return']);
  assert.deepEqual(await photosOf(page, id, 2), [['report', '处置前（worker）'], ['result', '处置后（worker）']]);
  await screenshot(page, 'field-case');

  // The supervisor verifies and closes; closing is refused to the worker over HTTP.
  await openCaseOnMap(sup, incident);
  await act(sup, id, 'verify');
  assert.deepEqual(await caseButtons(sup, id, 'verified'), ['return', 'close']);
  const refused = await page.request.post(`${session.server.url}/incidents/${id}/transitions`, {data: {action: 'close'}});
  assert.equal(refused.status(), 403);
  assert.ok((await refused.json()).error.message_zh);
  await act(sup, id, 'close');
  await sup.locator(`.case-card[data-id="${id}"][data-state="closed"] .no-actions`).waitFor({timeout: 10000});
  assert.equal((await photosOf(sup, id, 2)).length, 2, 'the supervisor sees both photos');
  const thumbnail = await sup.waitForFunction((selector) => {
    const img = document.querySelector(selector);
    return img && img.complete && img.naturalWidth;
  }, `.case-card[data-id="${id}"] .case-photo img`, {timeout: 10000});
  assert.equal(await thumbnail.jsonValue(), 160, 'the thumbnail shows the stored photo');
  // A closed case takes no photo; anonymous callers get none.
  const late = await page.request.post(`${session.server.url}/incidents/${id}/photos?stage=result`,
    {headers: {'Content-Type': 'image/jpeg'}, data: photo.buffer});
  assert.equal(late.status(), 409);
  assert.ok((await late.json()).error.message_zh);
  const anonymous = await fetch(`${session.server.url}/incidents/${id}/photos/1`);
  assert.equal(anonymous.status, 401);
  const history = await sup.locator(`.case-card[data-id="${id}"] .case-history li`).count();
  assert.equal(history, 7, 'reported, filed, dispatched, accepted, resolved, verified, closed');
  await screenshot(sup, 'supervisor-case');
  assert.deepEqual(field.errors, []);
  assert.deepEqual(command.errors, []);
  await sup.close();
  await page.close();
});

test('an urgent case nobody accepts appears on the supervisor\'s escalation notice live, and leaves it once accepted', {timeout: 90000}, async () => {
  const command = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  const sup = command.page;
  const notice = sup.locator('.escalation-notice');
  await notice.locator('.escalation-count').waitFor({timeout: 10000});
  assert.match(await notice.locator('h3').textContent(), /超时未受理紧急事件/);

  const field = await openMap(session, '#view=field', phone);
  const [lon, lat] = sample.pointIn(workerGrid);
  const reported = await field.page.request.post(`${session.server.url}/incidents`, {
    data: {category: '违法建设', triage: 'urgent', source: '网格员巡查', description: '燃气管道泄漏', lon, lat}});
  assert.equal(reported.status(), 201);
  const {id} = await reported.json();
  const item = notice.locator(`.escalation-list li[data-id="${id}"]`);
  assert.equal(await item.count(), 0, 'not late yet');
  // 6 s later, with nothing written meanwhile, the server pushes it: no reload.
  await item.waitFor({timeout: 20000});
  assert.match(await item.textContent(), /未受理/);
  assert.equal(await notice.locator('.escalation-status').count(), 0, 'connected: no status line');
  const listed = await (await sup.request.get(`${session.server.url}/incidents/escalated`)).json();
  assert.ok(listed.incidents.some((i) => i.id === id));
  assert.equal(await notice.getAttribute('data-count'), String(listed.count));
  await screenshot(sup, 'supervisor-escalation');

  // Planners handle no cases: no escalation list for them.
  const planner = await session.browser.newContext();
  await planner.request.post(`${session.server.url}/auth/login`, {data: {username: 'planner', password: demoPassword}});
  assert.equal((await planner.request.get(`${session.server.url}/incidents/escalated`)).status(), 403);
  await planner.close();

  // Accepted: it leaves the notice, again without reload.
  for (const [action, page] of [['file', sup], ['dispatch', sup], ['accept', field.page]]) {
    const reply = await page.request.post(`${session.server.url}/incidents/${id}/transitions`, {data: {action}});
    assert.equal(reply.status(), 200, `${action}: ${await reply.text()}`);
  }
  await item.waitFor({state: 'detached', timeout: 10000});
  // Clicking a listed case opens its page.
  const other = notice.locator('.escalation-list li').first();
  if (await other.count() > 0) {
    const otherId = await other.getAttribute('data-id');
    await other.click();
    await sup.locator(`.case-card[data-id="${otherId}"]`).waitFor({timeout: 10000});
  }
  assert.deepEqual(command.errors, []);
  assert.deepEqual(field.errors, []);
  await sup.close();
  await field.page.close();
});
