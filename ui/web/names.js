// names.js: every id the state carries (village, grid, shelter, gauge, road, responder) turned
// into the name people use, from the scenario's GeoJSON and the roster. The Chinese board
// never shows a raw id: an unknown one reads as a generic word.
import { t, name, zh } from './i18n.js';

const places = new Map(); // id → GeoJSON properties of any layer
let people = new Map(); // responder id → roster entry

/** learnLayers indexes the features of the scenario layers by id. */
export function learnLayers(layers) {
  for (const fc of Object.values(layers)) for (const f of fc?.features || []) if (f.properties?.id) places.set(f.properties.id, f.properties);
}

/** learnResponders indexes the roster of the current state. */
export function learnResponders(list) { people = new Map((list || []).map((r) => [r.id, r])); }

/** feature is the scenario properties of a place id, or undefined. */
export function feature(id) { return places.get(id); }

/** place names a village, grid, shelter, gauge, road or river; kind is the generic fallback key. */
export function place(id, kind = 'unknown') {
  if (!id) return '';
  const p = places.get(id);
  const generic = t(kind === 'unknown' ? 'unknown' : 'f_' + kind);
  if (p) return name(p) || (zh() ? generic : id);
  return zh() ? generic : id;
}

/** places names a list of ids joined the way each language joins lists. */
export function placeList(ids, kind) { return (ids || []).map((id) => place(id, kind)).join(zh() ? '、' : ', '); }

/** person names a responder: their name, and team in brackets when known. */
export function person(id) {
  const r = people.get(id);
  if (!r) return zh() ? t('responder') : id || '';
  return name(r);
}

/** responder is the roster entry of an id. */
export function responder(id) { return people.get(id); }
