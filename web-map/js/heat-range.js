// The heat layer's filter in the supervisor view: a time slider (incidents of
// the last N days) and a category choice; both rewrite the heat tile URLs.

import {userMessage} from './api.js';
import {categorySelect, fetchCategories} from './categories.js';
import {el} from './panel.js';
import {defaultHeatDays, heatQuery, vectorSourceSpec} from './sources.js';

const steps = [7, 14, 30, 60, 90, 180, 365];

// map: the map with a `heat` vector source; tilejson: the heat layer's TileJSON.
export class HeatRange {
  constructor(map, tilejson) {
    this.map = map;
    this.tilejson = tilejson;
    this.days = defaultHeatDays;
    this.category = '';  // all categories
    this.categories = null;  // Promise of the category table, asked for on first display
  }

  // onError(error): shows a failure (the category list could not be read).
  element(onError) {
    const input = el('input', {
      type: 'range', name: 'heat-days', min: 0, max: steps.length - 1, step: 1,
      value: steps.indexOf(this.days), 'aria-label': '热力时间范围',
    });
    const label = el('span', {class: 'heat-days'}, `近 ${this.days} 天`);
    input.addEventListener('input', () => { label.textContent = `近 ${steps[Number(input.value)]} 天`; });
    input.addEventListener('change', () => this.setFilter({days: steps[Number(input.value)]}));
    this.categories ??= fetchCategories();
    const category = categorySelect(this.categories, {
      name: 'heat-category', label: '热力事件类别', first: {value: '', label: '全部类别'}, selected: this.category,
      onError: (error) => onError(new Error(`事件类别加载失败：${userMessage(error)}`)),
    });
    category.addEventListener('change', () => this.setFilter({category: category.value}));
    return el('div', {class: 'heat-filter'},
      el('label', {class: 'heat-range'}, '事件热力：', label, input),
      el('label', {class: 'heat-category'}, '类别：', category));
  }

  setFilter({days = this.days, category = this.category}) {
    this.days = days;
    this.category = category;
    this.map.getSource('heat')?.setTiles(vectorSourceSpec('heat', this.tilejson, heatQuery(days, category)).tiles);
  }
}
