// 打印: the printable grid maps of the grid card (planner and supervisor views;
// docs/printing.md). Plain links to GET /print/…: the pages carry only the
// public contact card, and the session cookie goes along as with every
// download, so the browser opens the PDF in a new tab.

import {apiUrl} from './api.js';
import {el} from './panel.js';

function link(path, params, text) {
  return el('a', {class: 'print-link', href: apiUrl(path, params), target: '_blank', rel: 'noopener'}, text);
}

// grid: the card's properties ({code, level}); parents: its chain from the street down.
export function printLinks(grid, parents = []) {
  const links = [];
  if (grid.level === 'grid' || grid.level === 'subgrid') {
    links.push(link(`print/grids/${grid.code}.pdf`, {size: 'A4'}, '网格图 A4 PDF'),
      link(`print/grids/${grid.code}.pdf`, {size: 'A3'}, '网格图 A3 PDF'));
  }
  const community = grid.level === 'community' ? grid : parents.find((p) => p.level === 'community');
  if (community) links.push(link(`print/communities/${community.code}.pdf`, {size: 'A4'}, '社区全部网格 PDF'));
  if (grid.level === 'street') links.push(link(`print/streets/${grid.code}.pdf`, {size: 'A3'}, '街道网格图 A3 PDF'));
  if (!links.length) return null;
  return el('section', {class: 'print-links', 'aria-label': '打印'}, el('h3', {}, '打印'),
    el('div', {class: 'buttons'}, ...links));
}
