// The map with a generated city (tests/browser/generate-city: 2000 grids,
// 200,000 households): the planner and supervisor views load, draw the city,
// and the map answers camera moves and searches within generous budgets.
// Timings are printed for comparison (software WebGL on a shared machine).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {openMap, screenshot, useServerAndBrowser, waitReady} from './harness.mjs';

const session = useServerAndBrowser();
const budgetMs = 30000;

function renderedCount(page, layer) {
  return page.evaluate((id) => new Set(window.wanggeMap.queryRenderedFeatures({layers: [id]})
    .map((feature) => feature.properties.code)).size, layer);
}

async function timed(label, action) {
  const start = performance.now();
  const result = await action();
  const ms = Math.round(performance.now() - start);
  console.log(`# ${label}: ${ms} ms`);
  assert.ok(ms < budgetMs, `${label} took ${ms} ms`);
  return result;
}

test('the planner and supervisor views stay usable with a city loaded', {timeout: 240000}, async () => {
  const {page, errors} = await timed('planner view ready', () => openMap(session, '#view=planner', {as: 'admin'}));
  const drawn = await renderedCount(page, 'planner-load-fill');
  console.log(`# grids drawn at the city view: ${drawn}`);
  assert.ok(drawn > 500, `the city's grids are drawn (${drawn})`);
  await screenshot(page, 'city-planner');

  await timed('zoom in two levels until idle', () => page.evaluate(() => new Promise((resolve) => {
    const map = window.wanggeMap;
    map.once('idle', resolve);
    map.jumpTo({zoom: map.getZoom() + 2});
  })));
  assert.ok(await renderedCount(page, 'planner-load-fill') > 0);

  const input = page.locator('form.search input');
  await timed('first grid search', async () => {
    await input.fill('第1网格');
    await page.locator('.search-results li[data-code]').first().waitFor({timeout: budgetMs});
  });

  await page.locator('.views button[data-view="supervisor"]').click();
  await timed('supervisor view ready', () => waitReady(page));
  assert.ok(await renderedCount(page, 'supervisor-grid-fill') > 0, 'the choropleth is drawn');
  assert.equal(await page.locator('.stats-chart rect.bar').count(), 15, 'the chart shows the 15 grids with most cases');
  await screenshot(page, 'city-supervisor');
  assert.deepEqual(errors, []);
  await page.close();
});
