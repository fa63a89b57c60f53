// responder.js: one responder's phone page — the current assignment, its route,
// status buttons, and reporting an incident from where they stand.
import { getJSON, post, el } from './api.js';
import { t, tr, name, setLang, getLang, applyStatic, onLang } from './i18n.js';
import { Feed } from './ws.js';
import { TownMap } from './map.js';

const $ = (id) => document.getElementById(id);
const rid = decodeURIComponent(location.pathname.split('/').pop());
const ACTIVE = ['assigned', 'accepted', 'en_route', 'on_scene'];
let state = null;
let pick = null; // a point tapped on the map for a report
let routedFor = '';
let gps = null;
let routeText = ''; // kept across re-renders of the task card

const map = new TownMap($('map'), {
  layers: ['town', 'village', 'river', 'road', 'shelter'],
  onClick: (at) => { pick = [at.lon, at.lat]; map.setMarker(pick); renderReport(); },
});

function me() { return (state?.responders || []).find((r) => r.id === rid); }
function current() {
  const r = me();
  const list = (state?.assignments || []).filter((a) => a.responder === rid && ACTIVE.includes(a.status));
  return list.find((a) => a.id === r?.assignment) || list[list.length - 1] || null;
}

function render() {
  const r = me(), a = current();
  $('who').textContent = r ? `${name(r)} · ${tr('st_', r.status)}` : rid;
  $('drill').hidden = !(state?.drill === true || state?.drill?.events > 0 || state?.mode === 'drill');
  map.setState({ responders: r ? [r] : [], incidents: state?.incidents || [], roads: state?.roads || [] });
  if (!a) {
    $('task').replaceChildren(el('p', { class: 'muted', id: 'no-task' }, t('no_assignment')));
    $('buttons').replaceChildren();
    map.setRoute(null); routedFor = ''; routeText = '';
    return;
  }
  const inc = (state.incidents || []).find((i) => i.id === a.incident) || {};
  $('task').replaceChildren(el('div', { class: `card inc p${a.priority}`, id: 'task-card', 'data-assignment': a.id, 'data-status': a.status },
    el('div', { class: 'row' }, el('b', {}, `P${a.priority} ${tr('k_', inc.kind)}`), el('span', { class: 'tag', id: 'task-status' }, tr('st_', a.status))),
    el('div', { class: 'small' }, `${t('people')} ${inc.people ?? '?'} · ${inc.village || ''} · ${a.capability}`),
    inc.note ? el('div', { class: 'small muted' }, inc.note) : null,
    el('div', { class: 'small', id: 'route-info' }, routeText)));
  const btn = (status, label) => el('button', { id: `b-${status}`, class: a.status === status ? 'on' : '', onclick: () => setStatus(status, a) }, t(label));
  $('buttons').replaceChildren(
    btn('accepted', 'accept'), btn('declined', 'decline'), btn('en_route', 'en_route'), btn('on_scene', 'on_scene'), btn('done', 'done'));
  if (routedFor !== a.id && r) { routedFor = a.id; route(r, a); }
}

async function route(r, a) {
  const from = gps ? `${gps[1]},${gps[0]}` : `${r.lat},${r.lon}`;
  map.focus([[r.lon, r.lat], [a.lon, a.lat]]);
  try {
    const ans = await getJSON(`/api/route?from=${from}&to=${a.lat},${a.lon}`);
    map.setRoute(ans);
    routeText = `${t('route')}: ${(ans.meters / 1000).toFixed(1)} ${t('km')} · ${t('eta')} ${Math.round(ans.minutes)} ${t('minutes')}`;
  } catch (e) { routeText = `${t('route')}: —`; }
  const info = $('route-info');
  if (info) info.textContent = routeText;
}

async function setStatus(status, a) {
  const body = { status, assignment: a.id };
  if (gps) { body.lon = gps[0]; body.lat = gps[1]; }
  const res = await post(`/api/responders/${encodeURIComponent(rid)}/status`, body);
  $('msg').textContent = res.ok ? '' : (res.body.message || `HTTP ${res.status}`);
}

function renderReport() {
  const kinds = ['flooding', 'trapped', 'evacuation', 'blocked_channel', 'dangerous_house', 'landslide', 'road_flooded', 'dike_breach', 'reservoir', 'other'];
  const where = pick || gps;
  $('report').replaceChildren(
    el('select', { id: 'r-kind' }, ...kinds.map((k) => el('option', { value: k }, tr('k_', k)))),
    el('input', { id: 'r-people', type: 'number', min: 0, value: 1, style: 'width:5em' }),
    el('input', { id: 'r-note', placeholder: t('note') }),
    el('div', { class: 'small muted' }, where ? `${t('position')}: ${where[1].toFixed(5)}, ${where[0].toFixed(5)}` : t('tap_map')),
    el('button', { id: 'r-send', disabled: !where, onclick: report }, t('submit')));
}

async function report() {
  const where = pick || gps;
  const res = await post('/api/incidents', { kind: $('r-kind').value, people: +$('r-people').value, note: $('r-note').value, lat: where[1], lon: where[0] });
  $('msg').textContent = res.ok ? t('sent') : (res.body.message || `HTTP ${res.status}`);
}

async function main() {
  applyStatic();
  $('lang').textContent = getLang().startsWith('zh') ? 'EN' : '中文';
  $('lang').onclick = () => { setLang(getLang().startsWith('zh') ? 'en' : 'zh-CN'); $('lang').textContent = getLang().startsWith('zh') ? 'EN' : '中文'; };
  onLang(() => { render(); renderReport(); });
  await map.load();
  renderReport();
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition((p) => { gps = [p.coords.longitude, p.coords.latitude]; renderReport(); }, () => {}, { enableHighAccuracy: true });
  }
  new Feed({
    onStatus: (s) => { $('conn').className = `conn ${s}`; },
    onState: (s) => { state = s; document.body.dataset.seq = s.seq; render(); },
  }).start();
}

main().catch((e) => { document.body.prepend(el('div', { class: 'err' }, String(e))); });
