// Organisations (组织: 党组织, 社会组织, 物业, 业委会, 企业商户) of a grid, for
// the grid panel: read from /collections/organisations, grouped by category,
// each with the compound it serves and its contact. Signed-in users only
// (the server answers 401 otherwise).

import {apiUrl, getJSON, userMessage} from './api.js';
import {el} from './panel.js';

// The order and colours of the categories; styles/base.json colours the map's
// organisation circles the same way.
export const organisationCategories = [
  {category: '党组织', color: '#c62828'},
  {category: '社会组织', color: '#2e7d32'},
  {category: '物业', color: '#1565c0'},
  {category: '业委会', color: '#00838f'},
  {category: '企业商户', color: '#ef6c00'},
];

function contactLine(properties) {
  if (!properties.contact_name && !properties.contact_phone) return null;
  const phone = properties.contact_phone
    ? el('a', {href: `tel:${properties.contact_phone}`}, properties.contact_phone) : null;
  return el('span', {class: 'contact'}, `联系人：${properties.contact_name || '未填写'}`, phone ? ' ' : '', phone);
}

function organisationItem(feature) {
  const p = feature.properties;
  return el('li', {'data-id': String(p.id)},
    el('strong', {}, p.name || `组织 ${p.id}`), ` ${p.kind}`,
    p.compound ? el('span', {class: 'compound'}, `服务小区：${p.compound}`) : null,
    contactLine(p));
}

function render(root, features) {
  const heading = el('h3', {}, `组织（${features.length} 个）`);
  if (features.length === 0) {
    root.replaceChildren(heading, el('p', {class: 'message'}, '本网格没有登记的组织。'));
    return;
  }
  const groups = organisationCategories.map(({category, color}) => {
    const members = features.filter((f) => f.properties.category === category);
    if (members.length === 0) return null;
    return el('div', {class: 'organisation-group', 'data-category': category},
      el('h4', {}, el('span', {class: 'swatch circle', style: `background: ${color}`}), `${category}（${members.length}）`),
      el('ul', {}, members.map(organisationItem)));
  });
  root.replaceChildren(heading, ...groups);
}

// The section for grid `code`; it fills itself once the organisations are read.
export function organisationsElement(code) {
  const root = el('section', {class: 'organisations', 'data-code': code, 'aria-live': 'polite'},
    el('h3', {}, '组织'), el('p', {class: 'message'}, '正在读取组织……'));
  getJSON(apiUrl('collections/organisations/items', {grid_code: code, limit: 1000}))
    .then((page) => render(root, page.features || []))
    .catch((error) => root.replaceChildren(el('h3', {}, '组织'),
      el('p', {class: 'message error', role: 'alert'}, `读取组织失败：${userMessage(error)}`)));
  return root;
}

// The lines an organisation adds to a tapped place's card: category, compound, contact.
export function organisationDetails(properties) {
  if (!properties.category) return [];
  return [
    el('p', {class: 'category'}, `组织类别：${properties.category}`),
    properties.compound ? el('p', {class: 'compound'}, `服务小区：${properties.compound}`) : null,
    contactLine(properties),
  ];
}
