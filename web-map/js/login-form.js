// The sign-in form (登录): resolves with the user once the server accepts the
// name and password; wrong input and throttling are explained in place.

import {ApiError, userMessage} from './api.js';
import {el} from './panel.js';
import {login} from './session.js';

function failureText(error) {
  if (error instanceof ApiError && error.status === 401) return '用户名或密码错误，请重新输入。';
  if (error instanceof ApiError && error.status === 429) return '登录尝试次数过多，请稍后再试。';
  return `登录失败：${userMessage(error)}`;
}

// Shows the form in `root` (until signed in) and resolves with the user.
export function askForLogin(root, {reason = ''} = {}) {
  return new Promise((resolve) => {
    // Checked here rather than with `required`: the browser's own message would be in its language.
    const username = el('input', {name: 'username', autocomplete: 'username', 'aria-required': 'true', 'aria-label': '用户名'});
    const password = el('input', {name: 'password', type: 'password', autocomplete: 'current-password', 'aria-required': 'true', 'aria-label': '密码'});
    const submit = el('button', {type: 'submit'}, '登录');
    const status = el('p', {class: 'message login-status', 'aria-live': 'assertive'}, reason);
    const form = el('form', {class: 'login-form', 'aria-label': '登录', novalidate: true},
      el('h2', {}, '登录网格化管理地图'),
      el('label', {}, '用户名', username),
      el('label', {}, '密码', password),
      submit, status);
    const refuse = (text, input) => {
      status.className = 'message error login-status';
      status.setAttribute('role', 'alert');
      status.textContent = text;
      input.focus();
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!username.value.trim()) return refuse('请输入用户名。', username);
      if (!password.value) return refuse('请输入密码。', password);
      submit.disabled = true;
      status.className = 'message login-status';
      status.textContent = '正在登录……';
      try {
        const user = await login(username.value.trim(), password.value);
        root.hidden = true;
        root.replaceChildren();
        resolve(user);
      } catch (error) {
        status.className = 'message error login-status';
        status.setAttribute('role', 'alert');
        status.textContent = failureText(error);
        password.select();
      } finally {
        submit.disabled = false;
      }
    });
    root.replaceChildren(form);
    root.hidden = false;
    username.focus();
  });
}
