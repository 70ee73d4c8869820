// The basemap (issue 16): with every request off this machine aborted, the
// map draws the sample's own basemap (scripts/load-sample writes it;
// `serve --basemap`) — streets, compounds and buildings under the grids —
// from tiles the server answered, and credits it in the attribution control.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {loadSample, openMap, screenshot, signIn, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({basemap: true});

const basemapLayers = ['basemap-street', 'basemap-compound-fill', 'basemap-building'];

// The mean place of the households of the first compound in data/households.csv.
function compoundCentre() {
  const rows = sample.households.slice(0, 60);
  return [rows.reduce((sum, h) => sum + h.lngLat[0], 0) / rows.length,
    rows.reduce((sum, h) => sum + h.lngLat[1], 0) / rows.length];
}

test('offline, the basemap is drawn under the grids and credited', {timeout: 60000}, async () => {
  const page = await session.browser.newPage({viewport: {width: 1280, height: 800}, locale: 'zh-CN'});
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  // No network: anything not served by the local server is aborted and remembered.
  const aborted = [];
  await page.route('**/*', (route) => {
    const {hostname} = new URL(route.request().url());
    if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
    aborted.push(route.request().url());
    return route.abort();
  });
  const tileAnswers = [];
  page.on('response', (response) => {
    if (/\/basemap\/\d+\/\d+\/\d+$/.test(response.url())) tileAnswers.push(response.status());
  });
  const failedTiles = [];
  page.on('requestfailed', (request) => {
    if (/\/basemap\//.test(request.url())) failedTiles.push(request.url());
  });

  await signIn(page, session.server.url, 'planner');
  const [lon, lat] = compoundCentre();
  await page.goto(`${session.server.url}/map/#view=planner&map=16.5/${lat}/${lon}`, {waitUntil: 'load', timeout: 20000});
  await page.waitForFunction(() => window.wanggeReady !== undefined, null, {timeout: 10000});
  await page.evaluate(() => window.wanggeReady);
  await page.evaluate(([center]) => window.wanggeMap.jumpTo({center, zoom: 16.5}), [[lon, lat]]);
  await waitIdle(page);

  const drawn = await page.evaluate((layers) => Object.fromEntries(layers.map((id) => [id,
    window.wanggeMap.queryRenderedFeatures({layers: [id]}).map((feature) => feature.properties)])), basemapLayers);
  for (const id of basemapLayers) assert.ok(drawn[id].length > 0, `${id} draws features`);
  const compounds = new Set(drawn['basemap-compound-fill'].map((p) => p.name));
  assert.ok(compounds.has('金桐西里'), `compounds drawn: ${[...compounds]}`);
  assert.ok(drawn['basemap-building'].some((p) => p.name === '1号楼' && p.compound === '金桐西里'));
  assert.ok(drawn['basemap-street'].every((p) => p.kind === 'main' || p.kind === 'minor'));

  // Under the grids: every basemap layer comes before the grid fills and outlines.
  const order = await page.evaluate(() => window.wanggeMap.getStyle().layers.map((layer) => layer.id));
  for (const id of basemapLayers) {
    assert.ok(order.indexOf(id) >= 0 && order.indexOf(id) < order.indexOf('grid-fill'), `${id} under grid-fill`);
    assert.ok(order.indexOf(id) < order.indexOf('grid-line'), `${id} under grid-line`);
  }
  const grids = await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({layers: ['grid-line']}).length);
  assert.ok(grids > 0, 'the grids are drawn over it');

  assert.ok(tileAnswers.length > 0, 'basemap tiles were requested');
  assert.ok(tileAnswers.some((status) => status === 200), `tile answers: ${tileAnswers}`);
  assert.ok(tileAnswers.every((status) => status === 200 || status === 204 || status === 304), `tile answers: ${tileAnswers}`);
  assert.deepEqual(failedTiles, []);

  // The attribution control credits the basemap's source (from its TileJSON).
  // The compact control shows it behind its (i) button once the map has been moved.
  const credit = page.locator('.maplibregl-ctrl-attrib-inner', {hasText: '© wangge'});
  await credit.waitFor({state: 'attached', timeout: 5000});
  if (!(await credit.isVisible())) await page.locator('.maplibregl-ctrl-attrib-button').click();
  await credit.waitFor({state: 'visible', timeout: 5000});
  assert.match(await credit.textContent(), /社区数据/);
  await screenshot(page, 'basemap');

  assert.deepEqual(aborted, [], 'the map asked for nothing off this machine');
  assert.deepEqual(errors, []);
  await page.close();
});

// With the basemap's streets (along the sample's grid borders) the 15分钟生活圈
// are walked along them, and the legend says so (service_circles.test.mjs has straight lines).
test('the service circles walk along the basemap\'s streets and the legend says so', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  const select = page.locator('select[name="service-kind"]');
  await select.locator('option[value="market"]').waitFor({state: 'attached', timeout: 10000});
  await select.selectOption('market');
  const total = page.locator('.service-total');
  await total.waitFor({timeout: 20000});
  assert.match(await total.textContent(), /^菜市场\/商业（沿街道步行 500 米内）：覆盖 \d+\/\d+ 户/);
  await waitIdle(page);
  await screenshot(page, 'service-circles-streets');
  assert.deepEqual(errors, []);
});
