// The URL hash keeps the view: #view=field&map=16.00/39.92100/116.46000&grid=CODE
// (map = zoom/lat/lon, as in MapLibre's own hash), so a link or reload returns
// to the same place, view and selected grid.

export function readHash(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state = {view: params.get('view'), grid: params.get('grid'), camera: null};
  const parts = (params.get('map') || '').split('/').map(Number);
  if (parts.length === 3 && parts.every(Number.isFinite)) {
    const [zoom, lat, lon] = parts;
    if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) state.camera = {zoom, center: [lon, lat]};
  }
  return state;
}

export function writeHash({view, grid, map}) {
  const params = new URLSearchParams();
  if (view) params.set('view', view);
  if (map) {
    const center = map.getCenter();
    params.set('map', `${map.getZoom().toFixed(2)}/${center.lat.toFixed(5)}/${center.lng.toFixed(5)}`);
  }
  if (grid) params.set('grid', grid);
  // replaceState: panning must not flood the history (and fires no hashchange).
  history.replaceState(history.state, '', `#${params.toString().replaceAll('%2F', '/')}`);
}
