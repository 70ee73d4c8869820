// 打印 in the grid card (issue #16 item 4): a supervisor opens a grid and the
// card links to its map as A4/A3 PDF and to its community's batch; each link
// answers a PDF in the signed-in browser (the session goes with it, as with
// the monthly workbook's download).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {loadSample, openMap, screenshot, useServerAndBrowser} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser();

test('the grid card offers printed maps of the grid and its community, each a PDF', {timeout: 60000}, async () => {
  const code = sample.gridCodes[0];
  const {page, errors} = await openMap(session, `#view=supervisor&grid=${code}`, {as: 'supervisor'});
  const card = page.locator(`.grid-card[data-code="${code}"]`);
  await card.waitFor({timeout: 10000});
  const links = page.locator('.print-links a.print-link');
  await links.first().waitFor({timeout: 10000});
  assert.deepEqual(await links.allTextContents(), ['网格图 A4 PDF', '网格图 A3 PDF', '社区全部网格 PDF']);
  const hrefs = await links.evaluateAll((anchors) => anchors.map((a) => a.href));
  assert.match(hrefs[0], new RegExp(`/print/grids/${code}\\.pdf\\?size=A4$`));
  assert.match(hrefs[2], new RegExp(`/print/communities/${code.slice(0, 12)}\\.pdf\\?size=A4$`));
  for (const href of hrefs) {
    const response = await page.request.get(href);
    assert.equal(response.status(), 200, href);
    assert.equal(response.headers()['content-type'], 'application/pdf', href);
    assert.equal((await response.body()).subarray(0, 5).toString('latin1'), '%PDF-', href);
  }
  // The staff editor below the links lists the grid's people (and no stray "null" between them).
  await page.locator('.staff-assignments li').first().waitFor({timeout: 10000});
  assert.ok(!(await page.locator('#panel').textContent()).includes('null'));
  await screenshot(page, 'print-links');
  assert.deepEqual(errors, []);
  await page.close();
});
