// Staffing (定人、定岗、定责): a planner splits a grid and publishes it; the
// rules flag the new grid, which has no A岗, in the draft's checks and after
// publishing; the planner gives it one in the grid card, and the layout check
// stops flagging it. A supervisor marks a worker's leave in the grid card. A
// planner sets a person's days on duty (值班日), which the public card posts.
// The server runs on its own copy of the sample store (publishing writes).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {loadSample, openMap, pagePoint, screenshot, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});
const gridOf = (code) => sample.grids.find((g) => g.properties.code === code);

// Saves the grid card's staffing and waits for this save's answer: the
// message of an earlier save is still shown until the card is drawn again.
async function saveStaff(page, staffEditor) {
  const answered = page.waitForResponse((response) => response.request().method() === 'PUT' &&
                                                      /\/grids\/[^/]+\/staff$/.test(new URL(response.url()).pathname));
  await staffEditor.locator('button.save-staff').click();
  assert.equal((await answered).status(), 200);
  await staffEditor.locator('.message.ok', {hasText: '人员安排已保存'}).waitFor({timeout: 15000});
}

// Splits `code` across its middle in a new draft; returns the new grid's code.
async function splitInDraft(page, code) {
  await page.locator('button.new-draft').click();
  const editor = page.locator('.draft-editor[data-draft]');
  await editor.waitFor({timeout: 15000});
  await waitIdle(page);
  await editor.locator('select[name="draft-grid"]').selectOption(code);
  const ring = gridOf(code).geometry.coordinates[0];
  const [west, east] = [Math.min(...ring.map(([x]) => x)), Math.max(...ring.map(([x]) => x))];
  const [south, north] = [Math.min(...ring.map(([, y]) => y)), Math.max(...ring.map(([, y]) => y))];
  const margin = (east - west) * 0.15;
  await editor.locator('button.split-grid').click();
  for (const lngLat of [[west - margin, (south + north) / 2], [east + margin, (south + north) / 2]]) {
    const point = await pagePoint(page, lngLat);
    await page.mouse.click(point.x, point.y);
  }
  await page.keyboard.press('Enter');
  await page.locator('.draft-report[data-kind="edit"]').waitFor({timeout: 15000});
  return editor.locator('select[name="draft-grid"]').evaluate((select, codes) =>
    [...select.options].map((o) => o.value).find((value) => value && !codes.includes(value)), sample.gridCodes);
}

test('a split grid is flagged without its A岗 until the planner assigns one in the grid card', {timeout: 150000}, async () => {
  const code = sample.gridCodes[6];
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  const added = await splitInDraft(page, code);
  assert.match(added, /^\d{15}$/, 'the split made a new grid');
  const live = page.locator('.draft-report[data-kind="edit"] li[data-rule="no_primary_staff"]', {hasText: added});
  await live.waitFor({timeout: 15000});
  assert.match(await live.textContent(), /缺少A岗人员.*没有 A岗/);

  await page.locator('button.validate-draft').click();
  const full = page.locator('.draft-report[data-kind="full"]');
  await full.locator('[data-valid]').waitFor({timeout: 15000});
  assert.equal(await full.locator('[data-valid]').getAttribute('data-valid'), 'true', 'staffing is a warning, not an error');
  assert.equal(await full.locator('li[data-rule="no_primary_staff"]').count(), 1, 'only the new grid lacks its A岗');

  await page.locator('button.publish-draft').click();
  await page.locator('.publish-confirmation button.confirm-publish').click();
  const lacking = page.locator('.publish-result .publish-no-primary-list li', {hasText: added});
  await lacking.waitFor({timeout: 20000});
  await screenshot(page, 'staffing-published');
  assert.deepEqual(errors, []);
  await page.close();

  // The new grid's card: the warning, then a person found by name made its A岗.
  const card = await openMap(session, `#view=planner&grid=${added}`, {as: 'planner'});
  const staffEditor = card.page.locator(`.staff-editor[data-code="${added}"]`);
  await staffEditor.locator('.no-primary-staff').waitFor({timeout: 15000});
  const [name] = sample.staffOf(code);
  await staffEditor.locator('input.staff-search').fill(name);
  await staffEditor.locator('button.find-staff').click();
  await staffEditor.locator('.staff-result button.add-A').first().click();
  assert.equal(await staffEditor.locator('.staff-assignment .staff-name').first().textContent(), name);
  await saveStaff(card.page, staffEditor);
  assert.equal(await staffEditor.locator('.no-primary-staff').count(), 0, 'the grid has its A岗 now');
  assert.equal(await staffEditor.locator('select.duty').first().inputValue(), 'A');
  await screenshot(card.page, 'staffing-assigned');

  assert.deepEqual(card.errors, []);
  await card.page.close();

  // The planner's layout check of the published grids no longer flags any grid.
  const tools = await openMap(session, '#view=planner', {as: 'planner'});
  await tools.page.locator('button.check-layout').click();
  await tools.page.locator('.validation-report [data-valid]').waitFor({timeout: 30000});
  assert.equal(await tools.page.locator('.validation-report li[data-rule="no_primary_staff"]').count(), 0);
  assert.deepEqual(tools.errors, []);
  await tools.page.close();
});

test('a planner sets the days on duty in the grid card and the public card posts them', {timeout: 60000}, async () => {
  const code = sample.gridCodes[1];
  const {page, errors} = await openMap(session, `#view=planner&grid=${code}`, {as: 'planner'});
  const staffEditor = page.locator(`.staff-editor[data-code="${code}"]`);
  const primary = staffEditor.locator('.staff-assignment').first();
  await primary.waitFor({timeout: 15000});
  const days = primary.locator('input.duty-day');
  assert.equal(await days.count(), 7, 'one toggle per weekday');
  const checked = () => days.evaluateAll((boxes) => boxes.filter((box) => box.checked).map((box) => Number(box.value)));
  assert.deepEqual(await checked(), [1, 2, 3, 4, 5], 'the sample A岗 is on duty Monday to Friday');
  const publicDays = () => page.evaluate(async (grid) => {
    const card = await fetch(`../public/grids/${grid}`, {credentials: 'omit'}).then((response) => response.json());
    return card.staff[0].duty_days;
  }, code);

  await primary.locator('input.duty-day[value="6"]').check();
  await saveStaff(page, staffEditor);
  assert.deepEqual(await checked(), [1, 2, 3, 4, 5, 6], 'the saved list comes back with Saturday');
  assert.equal(await publicDays(), '周一至周六', 'residents read the new days without an account');
  await screenshot(page, 'staffing-duty-days');

  await primary.locator('input.duty-day[value="6"]').uncheck();
  await saveStaff(page, staffEditor);
  assert.equal(await publicDays(), '周一至周五');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a supervisor marks a worker on leave and back from the grid card', {timeout: 60000}, async () => {
  const code = sample.gridCodes[0];
  const {page, errors} = await openMap(session, `#view=supervisor&grid=${code}`, {as: 'supervisor'});
  const staffEditor = page.locator(`.staff-editor[data-code="${code}"]`);
  const row = staffEditor.locator('.staff-assignment').first();
  await row.waitFor({timeout: 15000});
  assert.equal(await staffEditor.locator('button.save-staff').count(), 0, 'supervisors do not reassign');
  const staffId = await row.getAttribute('data-staff-id');
  await row.locator('.leave-form summary').click();
  const today = new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'});
  await row.locator('input.leave-from').fill(today);
  await row.locator('button.set-leave').click();
  await row.locator('.leave-status', {hasText: '请假已登记'}).waitFor({timeout: 15000});
  const onLeave = () => page.evaluate(async ([grid, id]) => {
    const answer = await fetch(`../grids/${grid}/staff`).then((response) => response.json());
    return answer.staff.find((member) => String(member.id) === id).on_leave;
  }, [code, staffId]);
  assert.equal(await onLeave(), true);
  await screenshot(page, 'staffing-leave');

  await row.locator('button.end-leave').click();
  await row.locator('.leave-status', {hasText: '已销假'}).waitFor({timeout: 15000});
  assert.equal(await onLeave(), false);
  assert.deepEqual(errors, []);
  await page.close();
});
