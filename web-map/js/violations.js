// A validation report (DESIGN §4) on the map and in the panel: every
// violation with a geometry is drawn (source `violations`), listed by rule,
// and a click on a list entry zooms to it.

import {bboxOf} from './grid-index.js';
import {el} from './panel.js';

export const ruleNames = {
  invalid_geometry: '几何无效', overlap: '重叠', gap: '缝隙', sliver: '狭长碎片', outside_parent: '超出上级范围',
  parent_missing: '上级不存在', duplicate_code: '编码重复', code_format: '编码格式错误',
  household_count: '住户数超出范围', no_primary_staff: '缺少A岗人员', edge_mismatch: '边界未对齐',
  residents_count: '居民数超出范围', compound_split: '小区或楼栋跨网格', community_households: '社区户数超过上限',
};

export function drawViolations(map, violations) {
  const features = violations.filter((violation) => violation.geometry).map((violation) => ({
    type: 'Feature', geometry: violation.geometry,
    properties: {rule: violation.rule, severity: violation.severity, message: violation.message || ''},
  }));
  map.getSource('violations')?.setData({type: 'FeatureCollection', features});
}

// The verdict and the list; draws the violations on `map` too.
export function reportElement(map, report, {limit = 50} = {}) {
  const violations = report.violations || [];
  drawViolations(map, violations);
  const summary = Object.entries(report.summary || {}).map(([rule, count]) => `${ruleNames[rule] || rule} ${count} 处`);
  const grids = Number.isFinite(report.grids) ? `${report.grids} 个网格，` : '';
  const verdict = el('p', {class: report.valid ? 'message ok' : 'warning', 'data-valid': String(report.valid)},
    report.valid && violations.length === 0 ? `边界检查通过：${grids}无重叠、无缝隙。`
      : `${report.valid ? '有提示' : '发现问题'}：${summary.join('，') || `${violations.length} 处`}`);
  const list = violations.length === 0 ? null : el('ul', {class: 'violations'}, violations.slice(0, limit).map((violation) => {
    const item = el('li', {'data-rule': violation.rule, class: violation.severity, tabindex: violation.geometry ? '0' : null},
      el('span', {class: 'rule'}, ruleNames[violation.rule] || violation.rule), ' ', violation.message || '');
    const bbox = violation.geometry && bboxOf(violation.geometry);
    if (bbox) {
      const zoom = () => map.fitBounds(bbox, {padding: 80, maxZoom: 19, duration: 0});
      item.addEventListener('click', zoom);
      item.addEventListener('keydown', (event) => event.key === 'Enter' && zoom());
    }
    return item;
  }));
  return [verdict, list];
}
