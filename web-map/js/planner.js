// Planner tools: check the grid layout with POST /validate (DESIGN §4), and
// sketch new grids with terra-draw to see, before any draft exists, what a
// new boundary would overlap or leave uncovered. Sketches live in the page
// only; drafts that can be published are draft-editor.js.

import {fetchCollection, lookup, sendJSON, userMessage} from './api.js';
import {nextChildCode} from './grid-codes.js';
import {el} from './panel.js';
import {centreOf} from './reassignment.js';
import {drawViolations, reportElement} from './violations.js';

export class PlannerTools {
  // drawing: the map's Drawing (drawing.js), shared with the draft editor.
  constructor(map, drawing, gridIndex) {
    this.map = map;
    this.drawing = drawing;
    this.gridIndex = gridIndex;  // () => Promise<GridIndex>
    this.sketches = [];  // GeoJSON features with code, name, level, parent_code
    this.sketching = false;
    this.root = el('section', {class: 'planner-tools'});
    this.report = el('div', {class: 'validation-report', 'aria-live': 'polite'});
  }

  // The tools' panel section (rebuilt on each call, the state is kept).
  element() {
    const check = el('button', {type: 'button', class: 'check-layout'}, '检查网格边界');
    check.addEventListener('click', () => this.validate());
    const sketch = el('button', {type: 'button', class: 'sketch', 'aria-pressed': String(this.sketching)},
      this.sketching ? '结束绘制' : '绘制草图网格');
    sketch.addEventListener('click', () => {
      if (this.sketching) this.stopDrawing(); else this.startDrawing();
      this.root.replaceWith(this.element());
    });
    const clear = el('button', {type: 'button', class: 'clear-sketches', disabled: this.sketches.length === 0}, '清除草图');
    clear.addEventListener('click', () => {
      this.sketches = [];
      this.showViolations([]);
      this.report.replaceChildren();
      this.root.replaceWith(this.element());
    });
    const hint = this.sketching ? el('p', {class: 'message'}, '在地图上依次点击边界点，按回车键或点击起点完成。') : null;
    const sketches = this.sketches.length === 0 ? null
      : el('p', {class: 'message sketch-list'}, `草图：${this.sketches.map((f) => `${f.properties.name}（${f.properties.code}）`).join('、')}`);
    const root = el('section', {class: 'planner-tools'},
      el('h3', {}, '边界检查'), el('div', {class: 'buttons'}, check, sketch, clear), hint, sketches, this.report);
    this.root = root;
    return root;
  }

  startDrawing() {
    this.sketching = true;
    this.drawing.drawShape('polygon').then((geometry) => {
      this.sketching = false;
      if (geometry) return this.addSketch(geometry);
      this.root.replaceWith(this.element());
      return undefined;
    }).catch((error) => this.showError(error));
  }

  stopDrawing() {
    this.drawing.cancel();
  }

  // Leaving the planner view: stop listening to the map, keep the sketches.
  detach() {
    this.drawing.cancel();
    this.showViolations([]);
  }

  // A finished polygon becomes a grid of the community its centre lies in,
  // numbered after the community's last grid, and the layout is checked.
  async addSketch(geometry) {
    const [lon, lat] = centreOf(geometry);
    const answer = await lookup(lon, lat);
    const community = answer && answer.community;
    if (!community) throw new Error('草图中心不在任何社区内');
    const index = await this.gridIndex();
    const siblings = [...index.grids.values()].filter((grid) => grid.parentCode === community.code)
      .map((grid) => grid.code).concat(this.sketches.map((sketch) => sketch.properties.code));
    const code = nextChildCode(community.code, siblings);
    this.sketches.push({
      type: 'Feature',
      geometry,
      properties: {code, name: `草图${this.sketches.length + 1}`, level: 'grid', parent_code: community.code},
    });
    this.root.replaceWith(this.element());
    await this.validate();
  }

  async validate() {
    this.report.replaceChildren(el('p', {class: 'message'}, '正在检查……'));
    try {
      const published = await fetchCollection('grids');
      const layout = {type: 'FeatureCollection', features: [...published.features, ...this.sketches]};
      const report = await sendJSON('validate', layout);
      this.showReport(report);
    } catch (error) {
      this.showError(error);
    }
  }

  showError(error) {
    this.report.replaceChildren(el('p', {class: 'message error', role: 'alert'}, `检查失败：${userMessage(error)}`));
  }

  showReport(report) {
    this.report.replaceChildren(...reportElement(this.map, report).filter(Boolean));
  }

  showViolations(violations) {
    drawViolations(this.map, violations);
  }
}
