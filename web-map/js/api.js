// Client of the wangge HTTP API (DESIGN §6). All paths are resolved against the
// server root, found relative to this page (/map/ → /), so a path prefix in
// front of the server keeps working.

// Read on use, so DOM-free modules that import this one also load in node.
function apiRoot() {
  return new URL('../', document.baseURI);
}

// Every failure of a request becomes an ApiError whose message is Chinese,
// here and nowhere else: the server's own Chinese text (message_zh) when it
// sent one, else the text for its error code, else the text for the HTTP
// status; failures without an answer (network down, timeout) have theirs.
// The English detail stays in `detail` for the console.

// Chinese for the server's error codes that users meet.
const codeTexts = {
  login_required: '请先登录',
  forbidden: '您的角色无权进行此操作',
  out_of_scope: '该记录不在您负责的网格范围内',
  too_many_requests: '请求过于频繁，请稍后再试',
  too_many_drafts: '草案数量已达上限，请先删除不用的草案',
  draft_outdated: '网格布局在草案创建后已更新，请基于最新布局新建草案',
  draft_invalid: '草案存在错误，请先修正后再发布',
  confirm_required: '草案有提示，需要确认后才能发布',
  network: '无法连接服务器，请检查网络后重试',
  timeout: '服务器响应超时，请稍后再试',
};

// Chinese for HTTP statuses, for answers without the server's JSON error
// (a reverse proxy's HTML page for 502/503/504, say).
const statusTexts = {
  400: '请求有误',
  401: '请先登录',
  403: '无权进行此操作',
  404: '找不到所请求的内容',
  405: '不支持此操作',
  408: '请求超时，请重试',
  409: '操作与当前状态冲突，请刷新后重试',
  413: '提交的内容过大',
  415: '提交的内容格式不正确',
  422: '提交的内容无法处理',
  429: '请求过于频繁，请稍后再试',
  500: '服务器内部错误，请稍后再试',
  502: '服务器暂时无法访问（网关错误），请稍后再试',
  503: '服务暂时不可用，请稍后再试',
  504: '服务器响应超时（网关超时），请稍后再试',
};

export function statusText(status) {
  if (statusTexts[status]) return statusTexts[status];
  return status >= 500 ? `服务器出错（${status}），请稍后再试` : `请求未成功（${status}）`;
}

// A request gives up after this long (a hung proxy must not leave the map waiting forever).
const requestTimeoutMs = 60000;

export class ApiError extends Error {
  // status: the HTTP status, 0 when no answer came; detail: the English text behind it.
  constructor(status, code, detail, detailZh = null) {
    super(detailZh || codeTexts[code] || statusText(status));
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

// Whether a text has Chinese in it (CJK ideographs).
const chinese = /[\u4e00-\u9fff]/;

// The Chinese text to show for any error a handler caught: an ApiError's
// message, a Chinese message of the map's own, else a general one (a bug's
// English text goes to the console only).
export function userMessage(error) {
  if (error instanceof ApiError || chinese.test(error?.message || '')) return error.message;
  console.error(error);
  return '发生意外错误，请刷新页面后重试';
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
// {"error":{"code","message","message_zh"}} when there is one; 204 gives null.
// No answer (network failure, timeout) is an ApiError with status 0; a
// request the caller aborted (options.signal) still rejects with its AbortError.
export async function getJSON(url, options = {}) {
  const timeout = AbortSignal.timeout(requestTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response;
  try {
    response = await fetch(url, {headers: {Accept: 'application/json'}, credentials: 'same-origin', ...options, signal});
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, timeout.aborted ? 'timeout' : 'network', String(error && error.message));
  }
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
      // Not JSON (a proxy's page): the status says what happened.
    }
    throw new ApiError(response.status, code, message, messageZh);
  }
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch (error) {
    throw new ApiError(response.status, timeout.aborted ? 'timeout' : 'network', String(error && error.message));
  }
}

// POSTs (or PATCHes, PUTs) a JSON body and reads the JSON answer.
export function sendJSON(path, body = {}, method = 'POST') {
  return getJSON(apiUrl(path), {
    method, body: JSON.stringify(body), headers: {'Content-Type': 'application/json', Accept: 'application/json'},
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
