// A small SVG bar chart of the grids with the most cases this month: bar
// length = cases reported, colour = on-time rate class (the choropleth's colours).

import {percent, rateColor} from './stats.js';

const svgNS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, text = null) {
  const node = document.createElementNS(svgNS, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

export const chartRows = 15;

// units: /stats grid units. Returns an <svg> with one bar (data-code) for each
// of the `rows` grids with the most cases.
export function statisticsChart(units, {rows: shown = chartRows, width = 286, rowHeight = 18, labelWidth = 118} = {}) {
  const rows = [...units].sort((a, b) => (b.reported - a.reported) || a.key.localeCompare(b.key)).slice(0, shown);
  const most = Math.max(1, ...rows.map((unit) => unit.reported));
  const barSpace = width - labelWidth - 70;
  const chart = svg('svg', {
    class: 'stats-chart', width, height: rows.length * rowHeight + 4, viewBox: `0 0 ${width} ${rows.length * rowHeight + 4}`,
    role: 'img', 'aria-label': '各网格本月事件数与按时办结率',
  });
  rows.forEach((unit, i) => {
    const y = i * rowHeight + 2;
    const label = unit.name.length > 10 ? `…${unit.name.slice(-9)}` : unit.name;
    const bar = svg('rect', {
      class: 'bar', 'data-code': unit.key, x: labelWidth, y: y + 2, height: rowHeight - 6,
      width: Math.max(1, (unit.reported / most) * barSpace), fill: rateColor(unit.on_time_rate),
    });
    bar.append(svg('title', {}, `${unit.name}：${unit.reported} 件，按时办结率 ${percent(unit.on_time_rate)}`));
    chart.append(
      svg('text', {x: labelWidth - 4, y: y + rowHeight - 5, 'text-anchor': 'end', class: 'label'}, label),
      bar,
      svg('text', {x: labelWidth + (unit.reported / most) * barSpace + 4, y: y + rowHeight - 5, class: 'value'},
        `${unit.reported}件 ${percent(unit.on_time_rate)}`));
  });
  return chart;
}
