// The signed-in user in the top bar, with 退出登录 (logout reloads the page,
// which then asks to sign in).

import {el} from './panel.js';
import {roleNames} from './roles.js';
import {logout} from './session.js';

export function renderAccount(root, user, onError) {
  const button = el('button', {type: 'button', class: 'logout'}, '退出登录');
  button.addEventListener('click', async () => {
    try {
      await logout();
      location.reload();
    } catch (error) {
      onError(error);
    }
  });
  root.replaceChildren(
    el('span', {class: 'user-name', 'data-role': user.role}, user.name),
    el('span', {class: 'user-role'}, roleNames[user.role] || user.role),
    button);
  root.hidden = false;
}
