// Search box: grid code or name → list of matches → onSelect(grid).

import {el} from './panel.js';
import {levelNames, nameOf} from './labels.js';

export function setupSearch(form, getIndex, onSelect) {
  const input = form.querySelector('input');
  const list = form.querySelector('.search-results');
  let results = [];

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
  };
  const choose = (grid) => {
    close();
    input.value = grid.name || grid.code;
    onSelect(grid);
  };
  const render = async () => {
    const index = await getIndex();
    results = index.search(input.value);
    if (!input.value.trim()) return close();
    list.replaceChildren(...(results.length === 0
      ? [el('li', {class: 'empty'}, '未找到匹配的网格')]
      : results.map((grid) => {
        const item = el('li', {'data-code': grid.code, tabindex: '0'},
          el('span', {class: 'name'}, grid.name || grid.code), ' ',
          el('span', {class: 'level'}, nameOf(levelNames, grid.level)), ' ',
          el('span', {class: 'code'}, grid.code));
        item.addEventListener('click', () => choose(grid));
        item.addEventListener('keydown', (event) => event.key === 'Enter' && choose(grid));
        return item;
      })));
    list.hidden = false;
  };

  input.addEventListener('input', () => render().catch(reportError));
  input.addEventListener('keydown', (event) => event.key === 'Escape' && close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await render().catch(reportError);
    if (results.length > 0) choose(results[0]);
  });
}
