// The first map (issue 3) in the planner view: grid polygons with names and
// codes, a click on a grid shows its staff, search and URL hash keep the view.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {clickLngLat, drawSquare, loadSample, openMap, renderedCodes, screenshot, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser();

// Both data paths: vector tiles where the server offers them, and GeoJSON.
for (const [mode, query] of [['default', ''], ['GeoJSON', '?tiles=off']]) {
  test(`the planner view draws every grid of the sample with its code (${mode})`, {timeout: 50000}, async () => {
    await checkPlannerView(query, `planner${query ? '-geojson' : ''}`);
  });
}

async function checkPlannerView(query, screenshotName) {
  const {page, errors} = await openMap(session, `${query}#view=planner`);
  assert.deepEqual(await renderedCodes(page, 'planner-load-fill'), sample.gridCodes);
  assert.deepEqual(await renderedCodes(page, 'grid-label'), sample.gridCodes, 'every grid has a label');
  const communityCodes = sample.grids.filter((g) => g.properties.level === 'community').map((g) => g.properties.code).sort();
  assert.deepEqual(await renderedCodes(page, 'community-line'), communityCodes);
  assert.equal(await page.locator('.views button[aria-selected="true"]').textContent(), '规划');
  assert.match(await page.locator('#legend').textContent(), /网格边界.*住户100–300户/s);
  assert.match(await page.locator('.maplibregl-ctrl-scale').textContent(), /\d+\s*(米|公里)/);
  const ready = await page.evaluate(() => window.wanggeReady);
  const tilesOffered = (await fetch(`${session.server.url}/tiles/grids.json`)).ok;
  assert.equal(ready.tiles.includes('grids'), tilesOffered && !query, 'grid tiles are used exactly when offered');
  if (ready.sources.households === 'login') {
    assert.match(await page.locator('#legend').textContent(), /住户（需登录）/);
  } else if (ready.tiles.includes('households')) {
    // Household tiles aggregate per building (point_count): some are drawn.
    assert.ok(await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({layers: ['households']}).length > 0));
  } else {
    const households = await page.evaluate(() => new Set(window.wanggeMap.queryRenderedFeatures({layers: ['households']})
      .map((feature) => feature.properties.id)).size);
    assert.equal(households, sample.householdCount, 'every household is drawn');
  }
  await screenshot(page, screenshotName);
  assert.deepEqual(errors, []);
  await page.close();
}

test('clicking a grid shows its staff; the hash keeps view, place and grid', {timeout: 50000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner');
  const code = sample.gridCodes[5];
  const grid = sample.grids.find((g) => g.properties.code === code).properties;
  await clickLngLat(page, sample.pointIn(code));
  const card = page.locator(`.grid-card[data-code="${code}"]`);
  await card.waitFor({timeout: 10000});
  assert.equal(await card.locator('h2').textContent(), grid.name);
  const names = (await card.locator('.staff-name').allTextContents()).sort();
  assert.deepEqual(names, sample.staffOf(code));
  assert.deepEqual(await renderedCodes(page, 'grid-selected-line'), [code]);
  await screenshot(page, 'planner-grid-staff');

  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, new RegExp(`view=planner&map=[\\d.]+/39\\.9\\d+/116\\.4\\d+&grid=${code}`));
  const reopened = await openMap(session, hash);
  await reopened.page.locator(`.grid-card[data-code="${code}"]`).waitFor({timeout: 10000});
  assert.deepEqual(reopened.errors, []);
  assert.deepEqual(errors, []);
  await reopened.page.close();
  await page.close();
});

test('the search box finds a grid by name and by code', {timeout: 50000}, async () => {
  const {page, errors} = await openMap(session);
  const code = sample.gridCodes.at(-1);
  const grid = sample.grids.find((g) => g.properties.code === code).properties;
  const input = page.locator('form.search input');
  await input.fill(grid.name);
  await page.locator(`.search-results li[data-code="${code}"]`).click();
  await page.locator(`.grid-card[data-code="${code}"]`).waitFor({timeout: 10000});

  await input.fill(code);
  await input.press('Enter');
  await page.locator(`.grid-card[data-code="${code}"]`).waitFor({timeout: 10000});
  await input.fill('不存在的网格名称');
  assert.equal(await page.locator('.search-results').textContent(), '未找到匹配的网格');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the layout check passes, and a sketched grid over its neighbours shows the overlap', {timeout: 55000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner');
  await page.locator('button.check-layout').click();
  const verdict = page.locator('.validation-report [data-valid]');
  await verdict.waitFor({timeout: 15000});
  assert.equal(await verdict.getAttribute('data-valid'), 'true');
  // No error; the only notes are the planning warnings of the sample's compounds, each in two grids.
  assert.match(await verdict.textContent(), /^有提示：小区或楼栋跨网格 \d+ 处$/);

  await page.locator('button.sketch').click();
  await drawSquare(page, sample.pointIn(sample.gridCodes[5]), 70);
  await page.locator('.validation-report [data-valid="false"]').waitFor({timeout: 15000});
  assert.ok(await page.locator('.violations li[data-rule="overlap"]').count() > 0, 'the overlap is listed');
  assert.match(await page.locator('.sketch-list').textContent(), /草图1（\d{15}）/);
  await waitIdle(page);
  assert.ok(await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({layers: ['violation-fill']}).length > 0),
    'the overlap is drawn');
  await screenshot(page, 'planner-sketch');
  assert.deepEqual(errors, []);
  await page.close();
});
