// The field staff view: tap a point → /lookup → the grid, its chain and staff,
// and the warning near a boundary.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {clickLngLat, loadSample, openMap, screenshot, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser();

function byCode(code) {
  return sample.grids.find((g) => g.properties.code === code).properties;
}

test('tapping a point inside a grid names that grid, its parents and staff', {timeout: 50000}, async () => {
  const {page, errors} = await openMap(session, '#view=field');
  assert.equal(await page.locator('.views button[aria-selected="true"]').textContent(), '网格员');
  const code = sample.gridCodes[2];
  const grid = byCode(code);
  await clickLngLat(page, sample.pointIn(code));
  const card = page.locator(`.lookup-card[data-code="${code}"]`);
  await card.waitFor({timeout: 10000});
  assert.equal(await card.locator('h2').textContent(), `所在网格：${grid.name}`);
  const community = byCode(grid.parent_code ?? code.slice(0, 12));
  const street = byCode(community.parent_code ?? code.slice(0, 9));
  assert.deepEqual(await card.locator('.chain .name').allTextContents(), [street.name, community.name, grid.name]);
  assert.deepEqual((await card.locator('.staff-name').allTextContents()).sort(), sample.staffOf(code));
  const drawn = await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({layers: ['lookup-point']}).length);
  assert.equal(drawn, 1, 'the tapped point is drawn');
  await screenshot(page, 'field-lookup');
  assert.deepEqual(errors, []);
  await page.close();
});

test('"我的位置" looks up the device position', {timeout: 50000}, async () => {
  const code = sample.gridCodes.at(-1);
  const [longitude, latitude] = sample.pointIn(code);
  const {page, errors} = await openMap(session, '#view=field',
    {geolocation: {longitude, latitude}, permissions: ['geolocation']});
  await page.locator('button.locate', {hasText: '我的位置'}).click();
  const card = page.locator(`.lookup-card[data-code="${code}"]`);
  await card.waitFor({timeout: 10000});
  assert.equal(await card.locator('h2').textContent(), `所在网格：${byCode(code).name}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a point next to a grid border warns about the boundary', {timeout: 50000}, async () => {
  const {page, errors} = await openMap(session, '#view=field');
  // A vertex of a grid's outer ring, nudged 1e-6° (≈ 0.1 m) towards the ring's first vertex.
  const grid = sample.grids.find((g) => g.properties.level === 'grid');
  const ring = grid.geometry.type === 'Polygon' ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0][0];
  const [x0, y0] = ring[0];
  const [x1, y1] = ring[Math.floor(ring.length / 2)];
  const length = Math.hypot(x1 - x0, y1 - y0);
  const near = [x0 + ((x1 - x0) / length) * 3e-5, y0 + ((y1 - y0) / length) * 3e-5];  // ≈ 3 m inside along a chord
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 18}), near);
  await waitIdle(page);
  await clickLngLat(page, near);
  const card = page.locator('.lookup-card');
  await card.waitFor({timeout: 10000});
  assert.match(await card.locator('.warning').textContent(), /距网格边界不足20米/);
  await screenshot(page, 'field-near-boundary');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a point outside every grid says so', {timeout: 50000}, async () => {
  const {page, errors} = await openMap(session, '#view=field&map=14/39.9000/116.4000');
  await clickLngLat(page, [116.4, 39.9]);
  await page.locator('.lookup-card h2', {hasText: '不在任何网格内'}).waitFor({timeout: 10000});
  assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), []);
  await page.close();
});
