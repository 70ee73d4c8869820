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
