// The server's boundary rule thresholds (GET /rules): the one set that
// POST /validate and the drafts check with, so the map's household colours,
// legend and texts show the range the server warns about (rule household_count).

import {apiUrl, getJSON} from './api.js';

let loading = null;

// {min_width_m, min_area_m2, edge_tolerance_m, households_min, households_max, residents_min,
// residents_max, community_households_max}, fetched once.
export function ruleOptions() {
  loading ??= getJSON(apiUrl('rules')).catch((error) => {
    loading = null;  // asked again next time
    throw error;
  });
  return loading;
}

// "100–300" for the household range of `rules`.
export function householdRange(rules) {
  return `${rules.households_min}–${rules.households_max}`;
}

// Whether `expression` reads the household_count property.
function readsHouseholds(expression) {
  return Array.isArray(expression) && JSON.stringify(expression).includes('"household_count"');
}

// A copy of a view overlay whose household colour steps and legend use the
// server's range: steps ["step", count, below, MIN, inside, MAX+1, above] and
// the legend placeholders {households_min} / {households_max}.
export function withHouseholdRange(overlay, rules) {
  const out = structuredClone(overlay);
  for (const layer of out.layers || []) {
    const color = layer.paint && layer.paint['fill-color'];
    if (Array.isArray(color) && color[0] === 'step' && readsHouseholds(color[1]) && color.length === 7) {
      color[3] = rules.households_min;
      color[5] = rules.households_max + 1;
    }
  }
  for (const item of out.legend || []) {
    item.label = item.label
      .replaceAll('{households_min}', String(rules.households_min))
      .replaceAll('{households_max}', String(rules.households_max));
  }
  return out;
}
