// Client of the draft layouts API (DESIGN §4, src/http/draft_routes.cpp), and
// the ids of the drafts made in this browser (the server keeps drafts in
// memory and has no list of them).

import {apiUrl, getJSON, sendJSON} from './api.js';

const storageKey = 'wangge.drafts';

export function rememberedDrafts() {
  try {
    const ids = JSON.parse(localStorage.getItem(storageKey) || '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function remember(ids) {
  localStorage.setItem(storageKey, JSON.stringify([...new Set(ids)]));
}

// Lists a draft made elsewhere (a grid file's upload) among the planner's drafts.
export function rememberDraft(id) {
  remember([...rememberedDrafts(), id]);
}

export function forgetDraft(id) {
  remember(rememberedDrafts().filter((known) => known !== id));
}

const path = (id, tail = '') => `drafts/${encodeURIComponent(id)}${tail}`;

// → {id, base_version, grids}
export async function createDraft() {
  const created = await sendJSON('drafts', {});
  rememberDraft(created.id);
  return created;
}

// → FeatureCollection of the grids the draft added or changed, with id,
// base_version, grids (how many the draft has), deleted (published codes it
// removed), and valid and violations (the check of those changes).
export function getDraft(id) {
  return getJSON(apiUrl(path(id)));
}

export async function deleteDraft(id) {
  await getJSON(apiUrl(path(id)), {method: 'DELETE'});
  forgetDraft(id);
}

// Edits answer {changed, removed, features, report} (the incremental check).
export const draftEdits = {
  addGrid: (id, grid) => sendJSON(path(id, '/grids'), grid),
  snapGrid: (id, code, geometry) => sendJSON(path(id, '/snap'), {code, geometry}),
  split: (id, code, line, newCode, newName) => sendJSON(path(id, '/split'), {code, line, new_code: newCode, new_name: newName}),
  merge: (id, keep, absorb) => sendJSON(path(id, '/merge'), {keep, absorb}),
  moveBorder: (id, a, b, line) => sendJSON(path(id, '/move-border'), {a, b, line}),
};

// The report of grid `code` as if it had `geometry` (snapped as /snap would
// with `toleranceM`), nothing saved: the live check while a border is dragged.
export function checkDraftGrid(id, code, geometry, toleranceM) {
  return sendJSON(path(id, `/grids/${encodeURIComponent(code)}/check`), {geometry, tolerance_m: toleranceM});
}

export function validateDraft(id) {
  return sendJSON(path(id, '/validate'), {});
}

// → {version, snapshot_version, valid_from, grids, moved}; refusals are ApiErrors
// (422 draft_invalid, 409 confirm_required / draft_outdated).
export async function publishDraft(id, confirm) {
  const published = await sendJSON(path(id, '/publish'), {confirm});
  forgetDraft(id);
  return published;
}
