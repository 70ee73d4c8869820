// Legend of the base style plus the current view's overlay; an entry tied to a
// layer shows only when that layer is on the map, marked when its data needs a login.

import {el} from './panel.js';

function swatch(item) {
  const style = item.shape === 'line'
    ? `border-top: 3px ${item.dashed ? 'dashed' : 'solid'} ${item.color}`
    : `background: ${item.color}${item.stroke ? `; border: 2px solid ${item.stroke}` : ''}`;
  return el('span', {class: `swatch ${item.shape}`, style});
}

export function renderLegend(root, map, items, sourceStatus) {
  const shown = (id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none';
  const entries = items.filter((item) => !item.layer || shown(item.layer));
  root.replaceChildren(
    el('h3', {}, '图例'),
    el('ul', {}, entries.map((item) => {
      const source = item.layer && map.getLayer(item.layer).source;
      const needsLogin = sourceStatus[source] === 'login';
      return el('li', {class: needsLogin ? 'unavailable' : null},
        swatch(item), item.label, needsLogin ? '（需登录）' : '');
    })));
}
