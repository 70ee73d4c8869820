// The incident categories of the server's category table (data/categories.json),
// read from its Open311 service list. `name` (service_name, Chinese) is what
// POST /incidents and the heat tiles take as `category`; `code` is the Open311
// service_code, kept only as a stable key.

import {apiUrl, getJSON} from './api.js';
import {el} from './panel.js';

export async function fetchCategories() {
  const services = await getJSON(apiUrl('open311/v2/services.json'));
  return (Array.isArray(services) ? services : [])
    .filter((service) => service.service_name)
    .map((service) => ({code: service.service_code, name: service.service_name}));
}

// A <select> of the categories, filled once `categories` (a Promise) resolves;
// `first` is the option shown before any choice ({value, label}).
export function categorySelect(categories, {name, label, first, selected = '', onError}) {
  const select = el('select', {name, 'aria-label': label}, el('option', {value: first.value}, first.label));
  categories.then((list) => {
    select.append(...list.map((category) => el('option', {value: category.name}, category.name)));
    select.value = selected;
  }).catch(onError);
  return select;
}
