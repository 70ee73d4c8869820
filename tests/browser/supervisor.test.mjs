// The supervisor view and the view switcher, with tiles where the server
// offers them and with GeoJSON (?tiles=off).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  clickLngLat, loadSample, openMap, renderedCodes, screenshot, useServerAndBrowser, waitIdle, waitReady,
} from './harness.mjs';

const sample = loadSample();
const finished = new Set(['closed', 'verified', 'voided']);
const session = useServerAndBrowser();

// Incidents drawn in the viewport, once each (tiles repeat a point in neighbouring buffers).
function drawnIncidents(page) {
  return page.evaluate(() => [...new Map(window.wanggeMap.queryRenderedFeatures({layers: ['incidents']})
    .map((feature) => [feature.id, feature.properties.state])).values()]);
}

for (const [mode, query] of [['default', ''], ['GeoJSON', '?tiles=off']]) {
  test(`the supervisor view shows incidents by deadline light (${mode})`, {timeout: 55000}, async () => {
    const {page, errors} = await openMap(session, `${query}#view=planner`);
    await page.locator('.views button[data-view="supervisor"]').click();
    const ready = await waitReady(page);
    assert.equal(ready.view, 'supervisor');
    assert.equal(await page.locator('.views button[aria-selected="true"]').textContent(), '指挥');
    assert.match(await page.evaluate(() => location.hash), /^#view=supervisor&/);
    assert.deepEqual(await renderedCodes(page, 'supervisor-grid-fill'), sample.gridCodes);
    const layers = await page.evaluate(() => window.wanggeMap.getStyle().layers.map((layer) => layer.id));
    assert.ok(layers.includes('incidents'), 'the supervisor overlay is on');
    assert.ok(!layers.includes('planner-load-fill'), 'the planner overlay is off');
    const legend = await page.locator('#legend').textContent();
    if (ready.sources.incidents === 'login') {
      // Incidents need a login (DESIGN §6): the legend says so.
      assert.match(legend, /事件：已超时（需登录）/);
      await page.close();
      return;
    }
    assert.match(legend, /事件：已超时/);
    assert.equal((await drawnIncidents(page)).length, sample.incidents.length, 'every incident is drawn');
    const open = sample.incidents.filter(({state}) => !finished.has(state)).length;
    if (!ready.tiles.includes('incidents')) {
      assert.equal(await page.locator('.incident-summary h3').textContent(), `事件 ${sample.incidents.length} 件`);
      assert.equal(await page.locator('.incident-summary dd[data-count="finished"]').textContent(),
        `${sample.incidents.length - open} 件`);
    }
    if (ready.tiles.includes('heat')) {
      assert.match(legend, /事件热力/);
      assert.ok(await page.evaluate(() => window.wanggeMap.querySourceFeatures('heat', {sourceLayer: 'heat'}).length > 0),
        'heat cells are loaded');
    }
    await screenshot(page, `supervisor${query ? '-geojson' : ''}`);

    await page.locator('input[name="open-only"]').check();
    await waitIdle(page);
    const states = await drawnIncidents(page);
    assert.equal(states.length, open, 'only open incidents are drawn');
    assert.ok(states.every((state) => !finished.has(state)));

    const incident = sample.incidents.find(({state}) => !finished.has(state));
    await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 19}), incident.lngLat);
    await waitIdle(page);
    await clickLngLat(page, incident.lngLat);
    const card = page.locator('.incident-card');
    await card.waitFor({timeout: 10000});
    assert.equal(await card.locator('h2').textContent(), incident.category);
    if (!query) await screenshot(page, 'supervisor-incident');
    assert.deepEqual(errors, []);
    await page.close();
  });
}

// The on-time rate classes of the choropleth (web-map/js/stats.js), restated as the expectation.
function expectedColour(rate) {
  if (rate === null) return '#e0e0e0';
  if (rate >= 0.95) return '#2e7d32';
  if (rate >= 0.8) return '#9ccc65';
  return rate >= 0.6 ? '#ffb300' : '#e53935';
}

test('the supervisor sees grid statistics as a choropleth and a chart, the overdue list, and moves the heat slider',
  {timeout: 60000}, async () => {
    const {page, errors} = await openMap(session, '#view=supervisor', {as: 'supervisor'});
    const month = await page.locator('input[name="stats-month"]').inputValue();
    const stats = await (await page.request.get(`${session.server.url}/stats?month=${month}&level=grid`)).json();
    assert.ok(stats.grids.length > 0, 'the sample has statistics this month');

    // Every grid is drawn in the colour of its on-time rate.
    const colours = await page.evaluate(() => {
      const hex = (c) => `#${[c.r, c.g, c.b].map((v) => Math.round((v / c.a) * 255).toString(16).padStart(2, '0')).join('')}`;
      return Object.fromEntries(window.wanggeMap.queryRenderedFeatures({layers: ['supervisor-grid-fill']})
        .map((feature) => [feature.properties.code, hex(feature.layer.paint['fill-color'])]));
    });
    assert.deepEqual(Object.keys(colours).sort(), sample.gridCodes);
    for (const unit of stats.grids.filter((u) => sample.gridCodes.includes(u.key))) {
      assert.equal(colours[unit.key], expectedColour(unit.on_time_rate), `colour of ${unit.key}`);
    }
    assert.match(await page.locator('#legend').textContent(), /按时办结率 ≥95%/);
    const bars = await page.locator('.stats-chart rect.bar').evaluateAll((nodes) => nodes.map((n) => n.dataset.code).sort());
    const mostCases = [...stats.grids].sort((a, b) => (b.reported - a.reported) || a.key.localeCompare(b.key)).slice(0, 15);
    assert.deepEqual(bars, mostCases.map((u) => u.key).sort(), 'one bar for each of the 15 grids with most cases');

    // The time slider changes the heat tiles' `from`.
    if ((await page.evaluate(() => window.wanggeReady)).tiles.includes('heat')) {
      const weekAgo = () => new Date(Date.now() - 7 * 86400000).toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'});
      // The day a week ago when the slider moved, or by the time the tiles are asked for (should midnight fall between).
      const before = weekAgo();
      const request = page.waitForRequest((r) => r.url().includes('/tiles/heat/')
        && [before, weekAgo()].some((day) => r.url().includes(`from=${day}`)), {timeout: 15000});
      await page.locator('input[name="heat-days"]').fill('0');
      await request;
      assert.equal(await page.locator('.heat-days').textContent(), '近 7 天');
    }
    // The overdue list is the server's list for the supervisor's street.
    const overdue = await (await page.request.get(`${session.server.url}/incidents/overdue?area=110105031`)).json();
    const listed = page.locator('.overdue-list li');
    assert.equal(await listed.count(), overdue.count);
    if (overdue.count > 0) {
      await listed.first().click();
      await page.locator('.incident-card').waitFor({timeout: 10000});
    }
    await screenshot(page, 'supervisor-statistics');

    assert.deepEqual(errors, []);
    await page.close();
  });

test('the supervisor picks a category for the heat layer and the heat tiles are asked for it', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  assert.ok((await page.evaluate(() => window.wanggeReady)).tiles.includes('heat'), 'the server offers heat tiles');
  const select = page.locator('select[name="heat-category"]');
  const category = sample.incidents[0].category;
  await select.locator(`option[value="${category}"]`).waitFor({state: 'attached', timeout: 10000});
  const asked = (r) => r.url().includes('/tiles/heat/') && new URL(r.url()).searchParams.get('category') === category;
  const request = page.waitForRequest(asked, {timeout: 15000});
  await select.selectOption(category);
  const response = await (await request).response();
  assert.ok(response.ok(), `heat tile for ${category}: ${response.status()}`);
  assert.ok(new URL(response.url()).searchParams.get('from'), 'the time window is kept');
  await screenshot(page, 'supervisor-heat-category');

  // Back to all categories: the tiles are asked for without one.
  const all = page.waitForRequest((r) => r.url().includes('/tiles/heat/') && !new URL(r.url()).searchParams.has('category'),
    {timeout: 15000});
  await select.selectOption('');
  await all;
  assert.deepEqual(errors, []);
  await page.close();
});
