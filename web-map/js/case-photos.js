// Case photos (issue #15): the before-photo taken with a report (处置前), the
// after-photo of a result (处置后), and the thumbnails of both on the case
// page. Photos go one by one to POST /incidents/{id}/photos?stage=… as the
// file's own bytes, after the case or the transition they belong to (see
// src/http/photo_routes.hpp); the server checks the content, not the name.

import {apiUrl, getJSON, userMessage} from './api.js';
import {el} from './panel.js';

// What the server takes (photo_routes.hpp); a larger photo is refused before sending.
const maxPhotoBytes = 5 * 1024 * 1024;
export const stageNames = {report: '处置前', result: '处置后'};

// The camera on a phone (capture), the file picker elsewhere.
export function photoInput(name, label) {
  const input = el('input', {type: 'file', name, accept: 'image/jpeg,image/png,image/*', capture: 'environment'});
  return {input, field: el('label', {class: 'photo-field'}, label, input)};
}

// The chosen file, or null; a Chinese message (thrown) for one the server would refuse.
export function chosenPhoto(input) {
  const file = input.files && input.files[0];
  if (!file) return null;
  if (file.type && !['image/jpeg', 'image/png'].includes(file.type)) throw new Error('照片只能是 JPEG 或 PNG 格式。');
  if (file.size > maxPhotoBytes) throw new Error('照片过大（上限 5 MB），请压缩后再上传。');
  return file;
}

// Stores `file` as a photo of incident `id` at `stage` ('report' | 'result'); the photo's JSON.
export function uploadPhoto(id, stage, file) {
  return getJSON(apiUrl(`incidents/${id}/photos`, {stage}), {
    method: 'POST', body: file,
    headers: {'Content-Type': file.type || 'application/octet-stream', Accept: 'application/json'},
  });
}

function photoItem(photo) {
  const src = apiUrl(photo.url.replace(/^\//, '')).href;
  const caption = `${stageNames[photo.stage] || photo.stage_zh}（${photo.uploader}）`;
  return el('figure', {class: 'case-photo', 'data-stage': photo.stage, 'data-id': String(photo.id)},
    el('a', {href: src, target: '_blank', rel: 'noopener'},
      el('img', {src, alt: caption, width: 96, height: 72})),
    el('figcaption', {}, el('span', {class: 'photo-caption'}, caption),
      photo.location ? el('span', {class: 'photo-place'},
        `拍摄位置 ${photo.location.lon.toFixed(5)}, ${photo.location.lat.toFixed(5)}`) : null));
}

// The case page's photo section: loads the list itself and shows a Chinese message on failure.
export function photoGallery(id) {
  const body = el('div', {class: 'case-photos-body'}, el('p', {class: 'message'}, '正在加载照片……'));
  getJSON(apiUrl(`incidents/${id}/photos`)).then((answer) => {
    const photos = answer.photos || [];
    body.replaceChildren(photos.length === 0 ? el('p', {class: 'message no-photos'}, '暂无照片。')
      : el('div', {class: 'photo-strip'}, photos.map(photoItem)));
  }).catch((error) => {
    body.replaceChildren(el('p', {class: 'message error', role: 'alert'}, `照片加载失败：${userMessage(error)}`));
  });
  return el('section', {class: 'case-photos'}, el('h3', {}, '现场照片'), body);
}
