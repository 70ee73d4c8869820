// Client of the session API (DESIGN §6): POST /auth/login sets an HttpOnly
// session cookie, GET /auth/me names the signed-in user, POST /auth/logout ends it.

import {ApiError, apiUrl, getJSON, sendJSON} from './api.js';

// The signed-in user {id, name, role, grids, staff_id}, or null when signed out.
export async function currentUser() {
  try {
    return await getJSON(apiUrl('auth/me'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function login(username, password) {
  return (await sendJSON('auth/login', {username, password})).user;
}

export async function logout() {
  await sendJSON('auth/logout', {});
}
