// Client of the wangge HTTP API (DESIGN §6). All paths are resolved against the
// server root, found relative to this page (/map/ → /), so a path prefix in
// front of the server keeps working.

export const apiRoot = new URL('../', document.baseURI);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function apiUrl(path, params = {}) {
  const url = new URL(path.replace(/^\//, ''), apiRoot);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return url;
}

// Fetches JSON; a non-2xx answer becomes an ApiError carrying the server's
// {"error":{"code","message"}} when there is one.
export async function getJSON(url, options = {}) {
  const response = await fetch(url, {headers: {Accept: 'application/json'}, credentials: 'same-origin', ...options});
  if (!response.ok) {
    let code = `http_${response.status}`;
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && body.error) ({code = code, message = message} = body.error);
    } catch {
      // Not JSON: keep the status line as the message.
    }
    throw new ApiError(response.status, code, message);
  }
  return response.json();
}

// Reads an OGC API Features collection, following `next` links, and returns
// one FeatureCollection. Stops at maxFeatures (vector tiles serve larger data).
export async function fetchCollection(collection, params = {}, {maxFeatures = 50000} = {}) {
  const features = [];
  let url = apiUrl(`collections/${collection}/items`, {limit: 10000, ...params});
  while (url && features.length < maxFeatures) {
    const page = await getJSON(url);
    features.push(...(page.features || []));
    const next = (page.links || []).find((link) => link.rel === 'next');
    url = next && (page.features || []).length > 0 ? new URL(next.href, url) : null;
  }
  return {type: 'FeatureCollection', features: features.slice(0, maxFeatures)};
}

// The grid chain at a point, or null when the point lies in no grid (404).
export async function lookup(lon, lat) {
  try {
    return await getJSON(apiUrl('lookup', {lon: lon.toFixed(7), lat: lat.toFixed(7)}));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

// One grid (any level) with its staff, or null when the code is unknown.
export async function gridByCode(code) {
  const page = await getJSON(apiUrl('collections/grids/items', {code, limit: 1}));
  return (page.features || [])[0] || null;
}

// TileJSON of a vector tile layer, or null when the server does not offer it.
export async function tileJSON(layer) {
  try {
    const tilejson = await getJSON(apiUrl(`tiles/${layer}.json`));
    return Array.isArray(tilejson.tiles) && tilejson.tiles.length > 0 ? tilejson : null;
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
}
