// In-memory index of the grid tree (code → name, level, parent, bbox) for the
// search box and for naming a grid's parents.

// [west, south, east, north] of any GeoJSON geometry, or null when it has no coordinates.
export function bboxOf(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (coordinates) => {
    if (typeof coordinates[0] === 'number') {
      box[0] = Math.min(box[0], coordinates[0]);
      box[1] = Math.min(box[1], coordinates[1]);
      box[2] = Math.max(box[2], coordinates[0]);
      box[3] = Math.max(box[3], coordinates[1]);
    } else {
      coordinates.forEach(visit);
    }
  };
  if (geometry && geometry.coordinates) visit(geometry.coordinates);
  return Number.isFinite(box[0]) ? box : null;
}

export class GridIndex {
  constructor(collection) {
    this.grids = new Map();
    for (const feature of collection.features) {
      const {code, name, level, parent_code: parentCode} = feature.properties || {};
      if (code) this.grids.set(code, {code, name, level, parentCode, bbox: bboxOf(feature.geometry)});
    }
  }

  get(code) {
    return this.grids.get(code) || null;
  }

  // Parents of a grid from the top (street) down, without the grid itself.
  parents(code) {
    const chain = [];
    for (let grid = this.get(this.get(code)?.parentCode); grid; grid = this.get(grid.parentCode)) {
      chain.unshift(grid);
      if (chain.length > 8) break;  // guards against a cycle in bad data
    }
    return chain;
  }

  bounds() {
    let box = null;
    for (const {bbox} of this.grids.values()) {
      if (!bbox) continue;
      box = box ? [Math.min(box[0], bbox[0]), Math.min(box[1], bbox[1]), Math.max(box[2], bbox[2]), Math.max(box[3], bbox[3])] : [...bbox];
    }
    return box;
  }

  // Grids whose code starts with the query (digits) or whose name contains it;
  // exact matches first, then by code.
  search(query, limit = 10) {
    const text = query.trim();
    if (!text) return [];
    const matches = [];
    for (const grid of this.grids.values()) {
      const exact = grid.code === text || grid.name === text;
      if (exact || grid.code.startsWith(text) || (grid.name && grid.name.includes(text))) matches.push({grid, exact});
    }
    matches.sort((a, b) => (b.exact - a.exact) || a.grid.code.localeCompare(b.grid.code));
    return matches.slice(0, limit).map(({grid}) => grid);
  }
}
