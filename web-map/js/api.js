// Client of the wangge HTTP API (DESIGN §6). All paths are resolved against the
// server root, found relative to this page (/map/ → /), so a path prefix in
// front of the server keeps working.

// Read on use, so DOM-free modules that import this one also load in node.
function apiRoot() {
  return new URL('../', document.baseURI);
}

// Chinese for the server's error codes that users meet; other errors show the
// server's Chinese text (message_zh) when it sends one, else its message.
const codeTexts = {
  login_required: '请先登录',
  forbidden: '您的角色无权进行此操作',
  out_of_scope: '该记录不在您负责的网格范围内',
  too_many_requests: '请求过于频繁，请稍后再试',
  too_many_drafts: '草案数量已达上限，请先删除不用的草案',
  draft_outdated: '网格布局在草案创建后已更新，请基于最新布局新建草案',
  draft_invalid: '草案存在错误，请先修正后再发布',
  confirm_required: '草案有提示，需要确认后才能发布',
};

export class ApiError extends Error {
  // detail: the server's own message.
  constructor(status, code, detail, detailZh = null) {
    super(detailZh || codeTexts[code] || detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export function apiUrl(path, params = {}) {
  const url = new URL(path.replace(/^\//, ''), apiRoot());
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return url;
}

// Fired on window when the server answers 401 to a signed-in page (the
// session expired or was ended elsewhere): main.js then asks to sign in again.
export const loginRequiredEvent = 'wangge:login-required';

// Fetches JSON; a non-2xx answer becomes an ApiError carrying the server's
// {"error":{"code","message"}} when there is one; 204 gives null.
export async function getJSON(url, options = {}) {
  const response = await fetch(url, {headers: {Accept: 'application/json'}, credentials: 'same-origin', ...options});
  if (response.status === 401 && !String(url).endsWith('/auth/me') && !String(url).endsWith('/auth/login')) {
    window.dispatchEvent(new CustomEvent(loginRequiredEvent));
  }
  if (!response.ok) {
    let code = `http_${response.status}`;
    let message = `${response.status} ${response.statusText}`;
    let messageZh = null;
    try {
      const body = await response.json();
      if (body && body.error) ({code = code, message = message, message_zh: messageZh = null} = body.error);
    } catch {
      // Not JSON: keep the status line as the message.
    }
    throw new ApiError(response.status, code, message, messageZh);
  }
  return response.status === 204 ? null : response.json();
}

// POSTs a JSON body and reads the JSON answer.
export function sendJSON(path, body = {}) {
  return getJSON(apiUrl(path), {
    method: 'POST', body: JSON.stringify(body), headers: {'Content-Type': 'application/json', Accept: 'application/json'},
  });
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
