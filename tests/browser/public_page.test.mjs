// The residents' page (web-map/public.html) on a phone, without a login: tap
// a point → the grid's contact card with staff names and work phones and its
// QR code and each person's days on duty; type a compound name → the same card; household data stays
// refused (401); a network failure is said in Chinese; a basemap is drawn
// under the grids when the server offers /basemap.json.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';

import {loadSample, pagePoint, polygonContains, readCsv, screenshot, sourceDir, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser();

const phone = {
  viewport: {width: 390, height: 780}, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
};

// The households' compounds, each with the grids its households lie in.
function compoundGrids() {
  const lines = fs.readFileSync(path.join(sourceDir, 'data', 'households.csv'), 'utf8').trim().split('\n');
  const columns = lines[0].split(',');
  const grids = sample.grids.filter((g) => g.properties.level === 'grid');
  const byCompound = new Map();
  for (const line of lines.slice(1)) {
    const row = Object.fromEntries(line.split(',').map((value, i) => [columns[i], value]));
    const point = [Number(row.lon), Number(row.lat)];
    const grid = grids.find((g) => polygonContains(g.geometry, point));
    if (!grid) continue;
    if (!byCompound.has(row.compound)) byCompound.set(row.compound, new Set());
    byCompound.get(row.compound).add(grid.properties.code);
  }
  return byCompound;
}

async function openPublicPage(hash = '') {
  const page = await session.browser.newPage(phone);
  const errors = [];
  page.on('console', (message) => {
    // /basemap.json is feature-detected: its 404 on a server without a basemap is expected.
    if (message.type() === 'error' && !/basemap\.json/.test(message.location().url || '')) {
      errors.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  await page.goto(`${session.server.url}/map/public.html${hash}`, {waitUntil: 'load', timeout: 20000});
  await page.waitForFunction(() => window.wanggeReady !== undefined, null, {timeout: 10000});
  await page.evaluate(() => window.wanggeReady);
  return {page, errors};
}

async function expectCard(page, code) {
  const card = page.locator(`.grid-card[data-code="${code}"]`);
  await card.waitFor({timeout: 10000});
  const grid = sample.grids.find((g) => g.properties.code === code).properties;
  assert.equal(await card.locator('h2').textContent(), grid.name);
  assert.deepEqual((await card.locator('.staff-name').allTextContents()).sort(), sample.staffOf(code));
  for (const phoneNumber of await card.locator('.phone').allTextContents()) assert.match(phoneNumber, /^[\d-]{7,}$/);
  assert.ok(await card.locator('.duty').count() > 0, 'A岗/B岗 shown');
  // The posted 值班安排: each person's days on duty, as data/staff_grids.csv sets them.
  const posted = readCsv('staff_grids.csv').filter((link) => link.grid_code === code && link.duty_days)
    .map((link) => `值班：${link.duty_days}`).sort();
  assert.ok(posted.length > 0, 'the sample posts duty days for every grid');
  assert.deepEqual((await card.locator('.duty-days').allTextContents()).sort(), posted);
  // The QR code for the posted card: loaded, and the server's SVG for this grid.
  const qr = card.locator('.qr img');
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await qr.elementHandle(), {timeout: 10000});
  assert.ok((await qr.getAttribute('src')).endsWith(`/public/grids/${code}/qr.svg`));
  // Nothing personal on the card.
  const text = await card.textContent();
  assert.doesNotMatch(text, /户主|身份证|\d{17}[\dX]/);
  return card;
}

test('a resident taps the map and gets the grid card with staff, phones and QR code', {timeout: 60000}, async () => {
  const {page, errors} = await openPublicPage();
  assert.equal(await page.locator('h1').textContent(), '查找我的网格');
  const code = sample.gridCodes[3];
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 16}), sample.pointIn(code));
  await waitIdle(page);
  const point = await pagePoint(page, sample.pointIn(code));
  await page.touchscreen.tap(point.x, point.y);
  await expectCard(page, code);
  assert.match(page.url(), new RegExp(`#grid=${code}$`), 'the URL names the grid');
  await waitIdle(page);
  assert.equal(await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({layers: ['selected-line']}).length > 0),
    true, 'the grid is outlined');
  await screenshot(page, 'public-tap');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a resident types a compound name and gets the same card; #grid= opens it too', {timeout: 60000}, async () => {
  const {page, errors} = await openPublicPage();
  const [compound, grids] = [...compoundGrids()].sort(([, a], [, b]) => a.size - b.size)[0];
  const code = [...grids].sort()[0];
  await page.locator('input[name="q"]').fill(compound);
  await page.locator('.public-search button').tap();
  if (grids.size > 1) {
    // A compound in several grids lists them; the resident picks one.
    const buttons = page.locator('.public-results button');
    await buttons.first().waitFor({timeout: 10000});
    assert.deepEqual((await buttons.evaluateAll((list) => list.map((b) => b.dataset.code))).filter((c) => grids.has(c)).sort(),
      [...grids].sort());
    await page.locator(`.public-results .compound button[data-code="${code}"]`).tap();
  }
  await expectCard(page, code);
  await screenshot(page, 'public-search');
  await page.close();

  // The QR code's link: the page opens on that grid's card.
  const qr = await openPublicPage(`#grid=${code}`);
  await expectCard(qr.page, code);
  assert.deepEqual([...errors, ...qr.errors], []);
  await qr.page.close();
});

test('household data stays refused from the public page, and failures are said in Chinese', {timeout: 60000}, async () => {
  const {page, errors} = await openPublicPage();
  const statuses = await page.evaluate(async () => Promise.all(
    ['../collections/households/items', '../tiles/households.json', '../collections/households/items/1', '../stats']
      .map(async (url) => (await fetch(url)).status)));
  assert.deepEqual(statuses, [401, 401, 401, 401]);
  const search = await page.evaluate(async () => (await fetch('../public/grids/search?q=%E5%8F%B7%E6%A5%BC')).text());
  assert.doesNotMatch(search, /head_name|id_number|"room"|"unit"|members|tags/);

  // The network drops: the search says so in Chinese.
  await page.route('**/public/grids/search**', (route) => route.abort('internetdisconnected'));
  await page.locator('input[name="q"]').fill('光华苑');
  await page.locator('.public-search button').tap();
  await page.locator('.public-results li', {hasText: '无法连接服务器，请检查网络后重试'}).waitFor({timeout: 10000});
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|status of 401/.test(e)), []);
  await page.close();
});

test('a basemap the server offers at /basemap.json is drawn under the grids', {timeout: 60000}, async () => {
  const page = await session.browser.newPage(phone);
  // A raster TileJSON and its tiles, as the basemap module may serve them (one grey PNG for every tile).
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==', 'base64');
  await page.route('**/basemap.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({tilejson: '3.0.0', format: 'png', tiles: ['/basemap/{z}/{x}/{y}.png'], attribution: '测试底图'}),
  }));
  await page.route('**/basemap/**', (route) => route.fulfill({contentType: 'image/png', body: png}));
  await page.goto(`${session.server.url}/map/public.html`, {waitUntil: 'load', timeout: 20000});
  await page.waitForFunction(() => window.wanggeReady !== undefined, null, {timeout: 10000});
  await page.evaluate(() => window.wanggeReady);
  assert.equal(await page.evaluate(() => document.body.dataset.basemap), 'on');
  const order = await page.evaluate(() => window.wanggeMap.getStyle().layers.map((layer) => layer.id));
  assert.ok(order.indexOf('basemap') >= 0 && order.indexOf('basemap') < order.indexOf('grid-line'), order.join());
  await page.close();
});
