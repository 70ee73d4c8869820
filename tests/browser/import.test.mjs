// Upload in the planner view (issue #17): a planner picks a CSV roster with
// Chinese headers and one bad row, sees the dry-run report as a table before
// anything is imported, then imports the good rows and finds them served; a
// grid file opens as a new draft in the draft editor, its overlap shown.
// The server runs on its own copy of the sample store (the import writes).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {loadSample, openMap, renderedCodes, screenshot, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});

test('a planner uploads a roster, sees the dry-run report, then imports', {timeout: 60000}, async () => {
  const [lon, lat] = sample.pointIn(sample.gridCodes[0]);
  const roster = [
    '户主姓名,小区,楼栋,人数,经度,纬度',
    `上传甲,测试小区,1号楼,3,${lon},${lat}`,
    `上传乙,测试小区,1号楼,三口,${lon},${lat}`,
    `上传丙,测试小区,2号楼,2,${lon},${lat}`,
  ].join('\n');
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  const section = page.locator('.roster-upload');
  await section.waitFor({timeout: 10000});
  await section.locator('input[type=file]').setInputFiles({name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(roster)});
  await section.locator('button.check-import').click();

  // The report before any import: the bad row with its reason, and no way to import yet.
  const row = section.locator('.import-problems tbody tr');
  await row.first().waitFor({timeout: 15000});
  assert.equal(await row.count(), 1);
  assert.deepEqual(await row.first().locator('td').allTextContents(), ['2', '人数', '三口', '不是整数']);
  assert.match(await section.locator('.import-summary').textContent(), /检查结果：共 3 行：新增 2 户.*有误 1 行/);
  assert.ok(await section.locator('button.confirm-import').isDisabled(), 'a roster with bad rows is not imported as is');
  await screenshot(page, 'import-dry-run');

  const count = async () => {
    const response = await page.request.get(`${session.server.url}/collections/households/items?limit=10000`);
    return (await response.json()).features.filter((feature) => feature.properties.compound === '测试小区').length;
  };
  assert.equal(await count(), 0, 'the check wrote nothing');

  // Skipping the bad row needs a new check, then the import.
  await section.locator('input[name=skip_bad]').check();
  await section.locator('button.check-import').click();
  await page.waitForFunction(() => !document.querySelector('.roster-upload button.confirm-import').disabled, null, {timeout: 15000});
  await section.locator('button.confirm-import').click();
  await section.locator('.import-summary', {hasText: '已导入'}).waitFor({timeout: 15000});
  assert.match(await section.locator('.import-summary').textContent(), /已导入：共 3 行：新增 2 户.*有误 1 行/);
  assert.equal(await count(), 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a planner uploads a grid file and gets a new draft with its overlap', {timeout: 60000}, async () => {
  // The first grid redrawn over the box of itself and its neighbour: an overlap with the neighbour.
  const [first, second] = sample.gridCodes.map((code) => sample.grids.find((g) => g.properties.code === code));
  const corners = [first, second].flatMap((g) => g.geometry.coordinates[0]);
  const [west, east] = [Math.min(...corners.map((p) => p[0])), Math.max(...corners.map((p) => p[0]))];
  const [south, north] = [Math.min(...corners.map((p) => p[1])), Math.max(...corners.map((p) => p[1]))];
  const {code, name, parent_code: parent} = first.properties;
  const file = JSON.stringify({type: 'FeatureCollection', features: [{
    type: 'Feature',
    properties: {网格编码: code, 网格名称: name, 层级: '网格', 上级编码: parent},
    geometry: {type: 'Polygon', coordinates: [[[west, south], [east, south], [east, north], [west, north], [west, south]]]},
  }]});
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  const section = page.locator('.roster-upload');
  await section.waitFor({timeout: 10000});
  await section.locator('select[name=import-layer]').selectOption('grids');
  assert.equal(await section.locator('button.confirm-import').textContent(), '生成草案');
  await section.locator('input[type=file]').setInputFiles({name: '网格.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(file)});
  await section.locator('button.check-import').click();
  await section.locator('.import-summary', {hasText: '检查结果'}).waitFor({timeout: 15000});
  assert.match(await section.locator('.import-summary').textContent(), /共 1 行：新增 1 个/);
  await page.waitForFunction(() => !document.querySelector('.roster-upload button.confirm-import').disabled, null, {timeout: 15000});
  await section.locator('button.confirm-import').click();

  // The draft editor opens the new draft: the redrawn grid drawn as the draft's, the overlap reported.
  const editor = page.locator('.draft-editor[data-draft]');
  await editor.waitFor({timeout: 15000});
  const id = await editor.getAttribute('data-draft');
  assert.match(await section.locator('.import-summary').textContent(), new RegExp(`已生成草案 ${id}`));
  await waitIdle(page);
  assert.deepEqual(await renderedCodes(page, 'draft-fill'), [code]);
  assert.ok(await editor.locator('.violations li[data-rule="overlap"]').count() > 0, 'the overlap is listed');
  await screenshot(page, 'import-grid-draft');
  assert.deepEqual(errors, []);
  await page.close();
});
