// Signing in (登录) and the views each role may use: the map asks for a login
// first, refuses a wrong password, shows only the role's views, and the
// field view's "我的网格" is the signed-in worker's grids.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  demoPassword, demoUsers, loadSample, openMap, polygonContains, renderedCodes, screenshot, useServerAndBrowser, waitReady,
} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser();

const viewLabels = {planner: '规划', supervisor: '指挥', field: '网格员'};

function offeredViews(page) {
  return page.locator('.views button:not([hidden])').allTextContents();
}

test('the map asks to sign in, refuses a wrong password, and signs in and out', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner', {as: null});
  const form = page.locator('form.login-form');
  await form.waitFor({timeout: 10000});
  assert.deepEqual(await offeredViews(page), [], 'no view before signing in');
  await screenshot(page, 'login');

  await form.locator('input[name="username"]').fill('planner');
  await form.locator('input[name="password"]').fill('not-the-password');
  await form.locator('button[type="submit"]').click();
  await page.locator('.login-status.error', {hasText: '用户名或密码错误'}).waitFor({timeout: 10000});

  await form.locator('input[name="password"]').fill(demoPassword);
  await form.locator('button[type="submit"]').click();
  const ready = await waitReady(page);
  assert.equal(ready.view, 'planner');
  assert.deepEqual(ready.user, {name: 'planner', role: 'planner'});
  assert.ok(await page.locator('#login').isHidden());
  assert.equal(await page.locator('#account .user-name').textContent(), 'planner');
  assert.deepEqual(await renderedCodes(page, 'planner-load-fill'), sample.gridCodes);

  // Protected data now loads: the layout check needs a session.
  await page.locator('button.check-layout').click();
  await page.locator('.validation-report [data-valid="true"]').waitFor({timeout: 15000});

  await page.locator('#account button.logout').click();
  await page.locator('form.login-form').waitFor({timeout: 10000});
  const me = await page.evaluate(() => fetch('../auth/me').then((response) => response.status));
  assert.equal(me, 401, 'the session ended');
  assert.deepEqual(errors, []);
  await page.close();
});

test('each role is offered only its views', {timeout: 90000}, async () => {
  const expected = {
    admin: ['planner', 'supervisor', 'field'], planner: ['planner'], supervisor: ['supervisor'], worker: ['field'],
  };
  for (const [user, views] of Object.entries(expected)) {
    // Every user asks for the planner view; those without it get their own.
    const {page, errors} = await openMap(session, '#view=planner', {as: user});
    const ready = await page.evaluate(() => window.wanggeReady);
    assert.deepEqual(await offeredViews(page), views.map((view) => viewLabels[view]), `views of ${user}`);
    assert.deepEqual(ready.views, views);
    assert.equal(ready.view, views[0], `${user} lands in an allowed view`);
    assert.equal(ready.user.role, demoUsers[user].role);
    assert.match(await page.evaluate(() => location.hash), new RegExp(`^#view=${views[0]}&`));
    assert.deepEqual(errors, [], `no console errors for ${user}`);
    await page.close();
  }
});

test('the field view shows the worker\'s own grid, special households and tasks', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=field', {as: 'worker'});
  const [code] = demoUsers.worker.grids;
  assert.deepEqual(await renderedCodes(page, 'my-area-line'), [code], 'my grid is outlined');
  const grid = sample.grids.find((g) => g.properties.code === code);
  const bounds = await page.evaluate(() => window.wanggeMap.getBounds().toArray());
  const [west, south, east, north] = [bounds[0][0], bounds[0][1], bounds[1][0], bounds[1][1]];
  const ring = grid.geometry.type === 'Polygon' ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0][0];
  assert.ok(ring.every(([x, y]) => x >= west && x <= east && y >= south && y <= north), 'zoomed to my grid');

  const area = page.locator('.my-area');
  assert.equal(await area.locator('.my-grids li').getAttribute('data-code'), code);
  const special = sample.households.filter((h) => h.tags && polygonContains(grid.geometry, h.lngLat)).length;
  assert.match(await area.textContent(), new RegExp(`特殊群体住户 ${special} 户`));
  assert.match(await area.textContent(), /本月待走访 \d+ 户/);
  await screenshot(page, 'field-my-area');
  assert.deepEqual(errors, []);
  await page.close();
});
