// Planner tools: check the grid layout with POST /validate (DESIGN §4), and
// sketch new grids with terra-draw to see, before any draft exists, what a
// new boundary would overlap or leave uncovered. Sketches live in the page
// only: drafts and publishing need the server's /drafts API (not there yet).

import {TerraDraw, TerraDrawPolygonMode} from 'terra-draw';
import {TerraDrawMapLibreGLAdapter} from 'terra-draw-maplibre-gl-adapter';

import {apiUrl, fetchCollection, getJSON, lookup} from './api.js';
import {el} from './panel.js';

const ruleNames = {
  invalid_geometry: '几何无效', overlap: '重叠', gap: '缝隙', outside_parent: '超出上级范围',
  parent_missing: '上级不存在', duplicate_code: '编码重复', code_format: '编码格式错误',
  household_count: '住户数超出范围', edge_mismatch: '边界未对齐',
};

function ringCentre(ring) {
  const points = ring.slice(0, -1);
  return points.reduce(([x, y], [px, py]) => [x + px / points.length, y + py / points.length], [0, 0]);
}

export class PlannerTools {
  constructor(map, gridIndex) {
    this.map = map;
    this.gridIndex = gridIndex;  // () => Promise<GridIndex>
    this.sketches = [];  // GeoJSON features with code, name, level, parent_code
    this.draw = null;
    this.root = el('section', {class: 'planner-tools'});
    this.report = el('div', {class: 'validation-report', 'aria-live': 'polite'});
  }

  get drawing() {
    return Boolean(this.draw && this.draw.getMode() === 'polygon');
  }

  // The tools' panel section (rebuilt on each call, the state is kept).
  element() {
    const check = el('button', {type: 'button', class: 'check-layout'}, '检查网格边界');
    check.addEventListener('click', () => this.validate());
    const sketch = el('button', {type: 'button', class: 'sketch', 'aria-pressed': String(this.drawing)},
      this.drawing ? '结束绘制' : '绘制草图网格');
    sketch.addEventListener('click', () => {
      if (this.drawing) this.stopDrawing(); else this.startDrawing();
      this.root.replaceWith(this.element());
    });
    const clear = el('button', {type: 'button', class: 'clear-sketches', disabled: this.sketches.length === 0}, '清除草图');
    clear.addEventListener('click', () => {
      this.sketches = [];
      this.draw?.clear();
      this.showViolations([]);
      this.report.replaceChildren();
      this.root.replaceWith(this.element());
    });
    const hint = this.drawing ? el('p', {class: 'message'}, '在地图上依次点击边界点，按回车键或点击起点完成。') : null;
    const sketches = this.sketches.length === 0 ? null
      : el('p', {class: 'message sketch-list'}, `草图：${this.sketches.map((f) => `${f.properties.name}（${f.properties.code}）`).join('、')}`);
    const root = el('section', {class: 'planner-tools'},
      el('h3', {}, '边界检查'), el('div', {class: 'buttons'}, check, sketch, clear), hint, sketches, this.report);
    this.root = root;
    return root;
  }

  startDrawing() {
    if (!this.draw) {
      this.draw = new TerraDraw({
        adapter: new TerraDrawMapLibreGLAdapter({map: this.map}),
        modes: [new TerraDrawPolygonMode()],
      });
      this.draw.on('finish', (id) => this.addSketch(id).catch((error) => this.showError(error)));
    }
    if (!this.draw.enabled) this.draw.start();
    this.draw.setMode('polygon');
  }

  stopDrawing() {
    if (this.draw && this.draw.enabled) this.draw.setMode('static');
  }

  // Leaving the planner view: stop listening to the map, keep the sketches.
  detach() {
    if (this.draw && this.draw.enabled) this.draw.stop();
    this.showViolations([]);
  }

  // A finished polygon becomes a grid of the community its centre lies in,
  // numbered after the community's last grid, and the layout is checked.
  async addSketch(id) {
    const feature = this.draw.getSnapshotFeature(id);
    const [lon, lat] = ringCentre(feature.geometry.coordinates[0]);
    const answer = await lookup(lon, lat);
    const community = answer && answer.community;
    if (!community) throw new Error('草图中心不在任何社区内');
    const index = await this.gridIndex();
    const siblings = [...index.grids.values()].filter((grid) => grid.parentCode === community.code)
      .map((grid) => grid.code).concat(this.sketches.map((sketch) => sketch.properties.code));
    const last = Math.max(0, ...siblings.map((code) => Number(code.slice(community.code.length))));
    const code = `${community.code}${String(last + 1).padStart(3, '0')}`;
    this.sketches.push({
      type: 'Feature',
      geometry: feature.geometry,
      properties: {code, name: `草图${this.sketches.length + 1}`, level: 'grid', parent_code: community.code},
    });
    this.stopDrawing();
    this.root.replaceWith(this.element());
    await this.validate();
  }

  async validate() {
    this.report.replaceChildren(el('p', {class: 'message'}, '正在检查……'));
    try {
      const published = await fetchCollection('grids');
      const layout = {type: 'FeatureCollection', features: [...published.features, ...this.sketches]};
      const report = await getJSON(apiUrl('validate'), {
        method: 'POST', body: JSON.stringify(layout), headers: {'Content-Type': 'application/json', Accept: 'application/json'},
      });
      this.showReport(report);
    } catch (error) {
      this.showError(error);
    }
  }

  showError(error) {
    this.report.replaceChildren(el('p', {class: 'message error', role: 'alert'}, `检查失败：${error.message}`));
  }

  showReport(report) {
    const violations = report.violations || [];
    this.showViolations(violations);
    const summary = Object.entries(report.summary || {}).map(([rule, count]) => `${ruleNames[rule] || rule} ${count} 处`);
    this.report.replaceChildren(
      el('p', {class: report.valid ? 'message ok' : 'warning', 'data-valid': String(report.valid)},
        report.valid ? `边界检查通过：${report.grids} 个网格，无重叠、无缝隙。` : `发现问题：${summary.join('，')}`),
      violations.length === 0 ? null : el('ul', {class: 'violations'}, violations.slice(0, 50).map((violation) =>
        el('li', {'data-rule': violation.rule, class: violation.severity},
          el('span', {class: 'rule'}, ruleNames[violation.rule] || violation.rule), ' ', violation.message || ''))));
  }

  showViolations(violations) {
    const features = violations.filter((violation) => violation.geometry).map((violation) => ({
      type: 'Feature', geometry: violation.geometry,
      properties: {rule: violation.rule, severity: violation.severity, message: violation.message || ''},
    }));
    this.map.getSource('violations')?.setData({type: 'FeatureCollection', features});
  }
}
