// 吹哨报到 from the map (issue #15): the supervisor dispatches a case the
// community cannot settle to a department (派遣至部门, with the department's
// times shown), the department's account finds it in its list, acknowledges
// it (报到) and reports the result (处置反馈), and the community verifies and
// closes it, and the reporter rates it (满意度). The server runs on its own
// copy of the sample store.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {caseButtons, demoUsers, loadSample, openCaseOnMap, openMap, screenshot, useServerAndBrowser} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});

const buttonsOf = caseButtons;

async function act(page, id, action, {reason, department} = {}) {
  const card = page.locator(`.case-card[data-id="${id}"]`);
  await card.locator(`button.case-action[data-action="${action}"]`).click();
  const form = card.locator(`form.case-action-form[data-action="${action}"]`);
  if (department) {
    await form.locator(`select[name="department"] option[value="${department}"]`).waitFor({state: 'attached', timeout: 10000});
    await form.locator('select[name="department"]').selectOption(department);
  }
  if (reason) await form.locator('textarea[name="reason"]').fill(reason);
  await form.locator('button.confirm-action').click();
}

test('a case dispatched to a department is acknowledged and handled by the department, then closed by the community', {timeout: 120000}, async () => {
  const [lon, lat] = sample.pointIn(demoUsers.worker.grids[0]);  // in the supervisor's community
  const command = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  const sup = command.page;
  const reported = await sup.request.post(`${session.server.url}/incidents`, {
    data: {category: '违法建设', triage: 'coordination', source: '热线', description: '小区绿地被圈占搭建库房', lon, lat}});
  assert.equal(reported.status(), 201, await reported.text());
  const incident = await reported.json();
  const {id} = incident;

  await openCaseOnMap(sup, incident);
  await act(sup, id, 'file');
  assert.ok((await buttonsOf(sup, id, 'filed')).includes('dispatch_department'));
  // The chooser shows the department's own times for a 协调 case before anything is sent.
  await sup.locator(`.case-card[data-id="${id}"] button.case-action[data-action="dispatch_department"]`).click();
  const form = sup.locator('form.case-action-form[data-action="dispatch_department"]');
  await form.locator('button.confirm-action').click();
  assert.equal(await form.locator('.form-error').textContent(), '请选择职能部门。');
  await form.locator('select[name="department"] option[value="chengguan"]').waitFor({state: 'attached', timeout: 10000});
  await form.locator('select[name="department"]').selectOption('chengguan');
  assert.equal(await form.locator('.department-times').textContent(), '报到时限 2 小时，办理时限 120 小时（自派遣时起算）');
  await form.locator('textarea[name="reason"]').fill('社区无执法权，需城管拆除');
  await form.locator('button.confirm-action').click();
  assert.deepEqual(await buttonsOf(sup, id, 'dispatched'), ['extend', 'suspend', 'dispatch_department']);
  const supCard = sup.locator(`.case-card[data-id="${id}"]`);
  assert.equal(await supCard.locator('[data-field="department"]').textContent(), '城管执法');
  assert.match(await supCard.locator('[data-field="department-acknowledged"]').textContent(), /^未报到/);
  await screenshot(sup, 'department-dispatch');

  // The department's account: its list, the case page with 报到 only, then 处置反馈 only.
  const desk = await openMap(session, '#view=department', {as: 'chengguan'});
  const page = desk.page;
  assert.equal((await page.evaluate(() => window.wanggeReady)).view, 'department');
  const item = page.locator(`.department-cases li[data-id="${id}"]`);
  await item.waitFor({timeout: 10000});
  assert.match(await page.locator('.department-cases h3').textContent(), /^城管执法 · 本部门案件/);
  await item.locator('button.open-case').click();
  assert.deepEqual(await buttonsOf(page, id, 'dispatched'), ['acknowledge']);
  await act(page, id, 'acknowledge');
  assert.deepEqual(await buttonsOf(page, id, 'in_progress'), ['resolve']);
  assert.doesNotMatch(await page.locator(`.case-card[data-id="${id}"] [data-field="department-acknowledged"]`).textContent(), /未报到|超时/);
  await act(page, id, 'resolve', {reason: '库房已拆除，绿地恢复'});
  await page.locator(`.case-card[data-id="${id}"][data-state="resolved"] .no-actions`).waitFor({timeout: 10000});
  await screenshot(page, 'department-case');
  // Closing is the community's: refused to the department over HTTP.
  const refused = await page.request.post(`${session.server.url}/incidents/${id}/transitions`, {data: {action: 'verify'}});
  assert.equal(refused.status(), 403);
  assert.ok((await refused.json()).error.message_zh);

  await openCaseOnMap(sup, incident);
  assert.deepEqual(await buttonsOf(sup, id, 'resolved'), ['verify', 'return']);
  await act(sup, id, 'verify');
  await act(sup, id, 'close');
  await sup.locator(`.case-card[data-id="${id}"][data-state="closed"] .no-actions`).waitFor({timeout: 10000});
  const history = await sup.locator(`.case-card[data-id="${id}"] .case-history li`).allTextContents();
  assert.equal(history.length, 7, 'reported, filed, 派遣至部门, 报到, 处置反馈, verified, closed');
  assert.ok(history.some((line) => line.includes('派遣至部门 城管执法（chengguan）')));
  assert.ok(history.some((line) => line.includes('chengguan')), 'the department\'s account in the history');
  // The reporter (here the command centre, who took the hotline call) rates the closed case once.
  const rating = sup.locator(`.case-card[data-id="${id}"] form.case-rating-form`);
  await rating.locator('select[name="score"]').selectOption('4');
  await rating.locator('textarea[name="comment"]').fill('部门处置及时');
  await rating.locator('button.confirm-rating').click();
  await sup.locator(`.case-card[data-id="${id}"] .case-history li`, {hasText: '满意度评价 4 分：部门处置及时'}).waitFor({timeout: 10000});
  assert.equal(await sup.locator(`.case-card[data-id="${id}"] form.case-rating-form`).count(), 0, 'rated once');
  assert.deepEqual(command.errors, []);
  assert.deepEqual(desk.errors, []);
  await page.close();
  await sup.close();
});
