// board.js: the operators' board — map, the urgent block, the panels, live feed and actions.
import { getJSON, post, el } from './api.js';
import { t, tr, name, setLang, getLang, applyStatic, onLang, zh, colon, paren, refusal } from './i18n.js';
import { Feed } from './ws.js';
import { TownMap, clock } from './map.js';
import { learnResponders, place, placeList, person, feature } from './names.js';
import * as P from './panels.js';
import { Alerter } from './alert.js';

const $ = (id) => document.getElementById(id);
let me = { role: 'viewer' };
let state = null;
let drawn = false; // the first state is on screen: only then is the board "live"
let connected = 'connecting';
const tl = [];
const openWarnings = new Set();
const isOperator = () => me.role === 'operator';
const alerter = new Alerter($('alert'), $('mute'));

const map = new TownMap($('map'), { onPick: (mode, what) => picked(mode, what) });
window.floodcmdMap = map; // for the browser tests and the console

// panel redraws a panel only when what it shows has changed: a rebuilt panel under the
// operator's pointer would swallow the click they were making.
const drawnKeys = {};
function panel(key, deps, draw) {
  const k = JSON.stringify(deps);
  if (drawnKeys[key] === k) return;
  drawnKeys[key] = k;
  draw();
}

function render() {
  if (!state) return;
  learnResponders(state.responders);
  map.setState(state);
  $('town').textContent = name(map.scenario) || '';
  const c = state.counters || {};
  $('counters').textContent = state.counters
    ? `${t('incidents')} ${c.open_incidents}/${c.incidents} · ${t('st_available')} ${c.responders_available} · ${t('st_busy')} ${c.responders_busy}` : '';
  $('drill').hidden = !isDrill(state);
  tick();
  const acts = isOperator() ? { resolve, reassign, approve, dismiss, approveAid, declineAid, releaseAid, shelter, cancelEvacuation, household,
    focusIncident: (i) => map.focus([[i.lon, i.lat]]) } : { focusIncident: (i) => map.focus([[i.lon, i.lat]]) };
  const ops = isOperator() ? acts : null;
  const minute = clock(P.dataNow(state).toISOString()); // ages change with the clock
  const s = state;
  panel('urgent', [s.proposals, s.incidents, s.evac_grids, s.aid, s.warning_villages, s.warnings, minute], () => P.urgent($('p-urgent'), s, ops));
  panel('incidents', [s.incidents, s.assignments, minute], () => P.incidents($('p-incidents'), s, ops));
  panel('summary', [s.gauges, s.warning_villages, s.warnings, s.evac_villages, s.responders], () => P.summary($('p-summary'), s, map.layers.village?.features));
  panel('responders', [s.responders, s.assignments, s.incidents], () => P.responders($('p-responders'), s));
  panel('shelters', [s.shelters], () => P.shelters($('p-shelters'), s, map.layers.shelter, ops));
  panel('warnings', [s.warnings, s.warning_villages, s.gauges, [...openWarnings]], () => P.warnings($('p-warnings'), s, openWarnings));
  panel('evacuation', [s.evac_grids, s.evac_orders, s.unaccounted], () => P.evacuation($('p-evacuation'), s, ops));
  panel('rainfall', [s.rainfall, s.gauges], () => P.rainfall($('p-rainfall'), s));
  panel('aid', [s.aid], () => P.aid($('p-aid'), s, ops));
  panel('timeline', [tl.length, tl[tl.length - 1]?.seq], () => P.timeline($('p-timeline'), tl));
  panel('rejections', [s.rejections], () => P.rejections($('p-rejections'), s));
  const open = (state.incidents || []).filter((i) => i.status !== 'resolved').length;
  $('n-incidents').textContent = open ? ` ${open}` : '';
  const vw = new Set((state.warnings || []).filter((w) => w.scope === 'village').map((w) => w.target)).size;
  $('n-warnings').textContent = vw ? ` ${vw}` : '';
  alerter.check(state, (i) => `${t('new_p1')}${colon()}${tr('k_', i.kind)} · ${place(i.village, 'village')} · ${t('people')} ${i.people ?? 0}`, (i) => map.focus([[i.lon, i.lat]]));
  if (!drawn) { drawn = true; showConn(); }
}

// isDrill: the state or the events say this is a drill.
function isDrill(st) {
  const d = st.drill;
  if (d === true || st.mode === 'drill') return true;
  return !!(d && typeof d === 'object' && (d.active || d.events > 0));
}

// tick shows the clock: the data's time (the drill's in a drill) and the wall clock.
function tick() {
  const now = new Date();
  const wall = clock(now.toISOString(), false) + ':' + String(now.getSeconds()).padStart(2, '0');
  if (!state) { $('clock').textContent = `${t('now')} ${wall}`; return; }
  const drill = isDrill(state);
  const data = P.dataNow(state);
  $('clock').textContent = `${t(drill ? 'drill_time' : 'data_time')} ${clock(data.toISOString())} · ${t('now')} ${wall}`;
  $('clock').dataset.time = data.toISOString();
}
setInterval(tick, 1000);

function setConn(s) { connected = s; showConn(); }
function showConn() {
  const s = connected === 'live' && !drawn ? 'connecting' : connected;
  $('conn').className = `conn ${s}`;
  $('conn').textContent = t(s);
  document.body.dataset.conn = s;
}

// --- the map's modes: a plain click selects; everything else is chosen on the toolbar.

function setMode(mode) {
  map.setMode(mode);
  document.querySelectorAll('#toolbar [data-mode]').forEach((b) => b.classList.toggle('on', b.dataset.mode === mode));
  $('hint').textContent = t('hint_' + mode);
  const acts = $('modeacts');
  acts.replaceChildren();
  if (mode === 'polygon') {
    acts.append(el('button', { type: 'button', id: 'poly-done', onclick: () => map.finishPolygon() }, t('finish')),
      el('button', { type: 'button', onclick: () => setMode('polygon') }, t('clear')));
  }
  if (mode === 'grids') renderPicked([]);
}

function renderPicked(ids) {
  const acts = $('modeacts');
  const people = ids.reduce((s, id) => s + (feature(id)?.population || 0), 0);
  const households = ids.reduce((s, id) => s + (feature(id)?.households || 0), 0);
  acts.replaceChildren(el('span', { class: 'small', id: 'picked' },
    ids.length ? `${t('picked')} ${ids.length}${colon()}${placeList(ids, 'grid')} · ${people}${zh() ? '人' : ' people'}，${households}${zh() ? '户' : ' households'}` : ''),
  ids.length ? el('button', { type: 'button', id: 'grids-order', onclick: () => evacuate({ grids: ids }) }, t('order_evacuation')) : '');
}

function picked(mode, what) {
  switch (mode) {
    case 'incident': return newIncident(what);
    case 'road': return roadDialog(what);
    case 'no_road': return flash(t('no_road_here'));
    case 'polygon': return evacuate({ polygon: what });
    case 'grids': return renderPicked(what);
  }
}

// --- actions: every one appends a command to the log; the board changes when the log says so.

function form(title, fields, submit, onDone) {
  const f = $('dlg-form');
  const msg = el('div', { class: 'err', id: 'dlg-msg' });
  f.replaceChildren(el('h3', {}, title), ...fields.map(([label, input]) => el('label', {}, el('span', {}, label), input)), msg,
    el('div', { class: 'acts' },
      el('button', { value: 'cancel', formnovalidate: true }, t('cancel')),
      el('button', { id: 'dlg-ok', value: 'ok', onclick: async (e) => {
        e.preventDefault();
        if (!f.reportValidity()) return;
        const r = await submit();
        if (r.ok) { $('dlg').close(); flash(t('sent')); onDone?.(); } else msg.textContent = refusal(r);
      } }, t('submit'))));
  $('dlg').showModal();
}

function input(attrs) { return el('input', attrs); }
function select(id, opts, value) { return el('select', { id }, ...opts.map(([v, l]) => el('option', { value: v, selected: v === value }, l))); }
let flashTimer = 0;
function flash(text) {
  $('hint').textContent = text;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { $('hint').textContent = t('hint_' + map.mode); }, 2500);
}

function newIncident(at) {
  map.setMarker([at.lon, at.lat]);
  const kinds = ['flooding', 'trapped', 'evacuation', 'blocked_channel', 'dangerous_house', 'landslide', 'road_flooded', 'dike_breach', 'reservoir', 'other'];
  form(`${t('new_incident')}${paren(`${at.lat.toFixed(5)}, ${at.lon.toFixed(5)}`)}`, [
    [t('kind'), select('f-kind', kinds.map((k) => [k, tr('k_', k)]), 'flooding')],
    [t('people'), input({ id: 'f-people', type: 'number', min: 0, max: 100000, value: 1 })],
    [t('severity'), select('f-sev', [['0', '—'], ['1', '1'], ['2', '2'], ['3', '3'], ['4', '4']], '0')],
    [t('note'), input({ id: 'f-note', maxlength: 500 })],
  ], () => {
    const body = { kind: $('f-kind').value, lat: +at.lat.toFixed(6), lon: +at.lon.toFixed(6), people: +$('f-people').value, note: $('f-note').value };
    if (+$('f-sev').value) body.severity = +$('f-sev').value;
    return post('/api/incidents', body);
  }, () => { map.setMarker(null); setMode('select'); });
}

function roadDialog(road) {
  const cur = (state?.roads || []).find((r) => r.id === road.id);
  const verb = cur?.closed ? 'open_road' : 'close_road';
  form(`${t(verb)}${colon()}${name(road) || tr('rc_', road.class)}${cur?.closed ? ' · ' + t('closed') : ''}`, [
    [t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })],
  ], () => post(`/api/commands/${verb}`, { road: road.id, reason: $('f-reason').value }), () => setMode('select'));
  $('dlg-form').dataset.road = road.id;
}

function resolve(inc) {
  form(`${t('resolve')}${colon()}${tr('k_', inc.kind)} · ${place(inc.village, 'village')}`, [[t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]],
    () => post('/api/commands/resolve', { incident: inc.id, reason: $('f-reason').value }));
}

function reassign(a) {
  const opts = (state.responders || []).filter((r) => r.status === 'available' || r.id === a.responder)
    .map((r) => [r.id, `${name(r)}${paren(`${r.team || t('tier_' + r.tier)} · ${tr('st_', r.status)}`)}`]);
  form(`${t('reassign')}${colon()}${person(a.responder)}`, [
    [t('responder'), select('f-resp', opts, a.responder)],
    [t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })],
  ], () => post('/api/commands/reassign', { assignment: a.id, responder: $('f-resp').value, reason: $('f-reason').value }));
}

function approve(p) {
  form(`${t('approve')}${colon()}${P.proposalText(p)}`, [[t('reason'), input({ id: 'f-reason', maxlength: 500 })]],
    () => post('/api/commands/approve', { proposal: p.id, reason: $('f-reason').value }));
}

function dismiss(p) {
  form(`${t('dismiss')}${colon()}${P.proposalText(p)}`, [[t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]],
    () => post('/api/commands/dismiss', { proposal: p.id, reason: $('f-reason').value }));
}

function shelter(p, open) {
  const verb = open ? 'close_shelter' : 'open_shelter';
  form(`${t(verb)}${colon()}${name(p)}`, [[t('reason'), input({ id: 'f-reason', required: open, maxlength: 500 })]],
    () => post(`/api/commands/${verb}`, { shelter: p.id, reason: $('f-reason').value }));
}

// evacuate orders grids (picked on the map or in the list) or a drawn polygon evacuated; the
// engine gives every registered household a shelter.
function evacuate(area = {}) {
  const fields = [];
  let pick = null;
  if (area.polygon) {
    fields.push([t('polygon'), el('span', { class: 'small' }, `${area.polygon.length} ${zh() ? '个角点' : 'corners'}`)]);
  } else if (area.grids) {
    const people = area.grids.reduce((s, id) => s + (feature(id)?.population || 0), 0);
    fields.push([t('grid'), el('span', { class: 'small', id: 'f-grids-picked' }, `${placeList(area.grids, 'grid')}（${people}${zh() ? '人' : ' people'}）`)]);
  } else {
    const grids = (map.layers.grid?.features || []).map((f) => f.properties).sort((a, b) => (b.low_lying_share || 0) - (a.low_lying_share || 0));
    pick = el('select', { id: 'f-grids', multiple: true, size: 8, required: true },
      ...grids.map((g) => el('option', { value: g.id }, `${name(g)} · ${place(g.village, 'village')} · ${g.population}${zh() ? '人' : ' people'} · ${t('low_lying')} ${Math.round(100 * (g.low_lying_share || 0))}%`)));
    fields.push([t('grid'), pick]);
  }
  fields.push([t('level'), select('f-level', [['mandatory', t('mandatory')], ['advisory', t('advisory')]], 'mandatory')],
    [t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]);
  form(t('order_evacuation'), fields, () => {
    const body = { level: $('f-level').value, reason: $('f-reason').value };
    if (area.polygon) body.polygon = area.polygon;
    else body.grids = area.grids || [...pick.selectedOptions].map((o) => o.value);
    return post('/api/commands/evacuate', body);
  }, () => setMode('select'));
}

function cancelEvacuation(o) {
  form(`${t('cancel')}${colon()}${t(o.kind)} ${placeList(o.grids, 'grid') || placeList(o.villages, 'village') || t('polygon')}`, [[t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]],
    () => post('/api/commands/cancel_evacuation', { order: o.id, reason: $('f-reason').value }));
}

// household records a grid worker's report; "staying" is confirmed by the operator who sends it.
function household(h, status) {
  form(`${tr('st_', status)}${colon()}${h.address || place(h.grid, 'grid')}`, [[t('reason'), input({ id: 'f-reason', required: status === 'staying', maxlength: 500 })]],
    () => post('/api/commands/household', { household: h.id, status, reason: $('f-reason').value }));
}

function approveAid(a) {
  const asked = (a.needs || []).reduce((s, n) => s + n.count, 0);
  form(`${t('approve')}${colon()}${place(a.from, 'neighbour')}`, [
    [t('count'), input({ id: 'f-count', type: 'number', min: 1, max: asked || 1000, value: asked || 1, required: true })],
    [t('reason'), input({ id: 'f-reason', maxlength: 500 })],
  ], () => post('/api/commands/approve_aid', { request: a.request, count: +$('f-count').value, reason: $('f-reason').value }));
}

function declineAid(a) {
  form(`${t('decline')}${colon()}${place(a.from, 'neighbour')}`, [[t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]],
    () => post('/api/commands/decline_aid', { request: a.request, reason: $('f-reason').value }));
}

function releaseAid(a) {
  form(`${t('release')}${colon()}${place(a.to, 'neighbour')}`, [[t('reason'), input({ id: 'f-reason', maxlength: 500 })]],
    () => post('/api/commands/release_aid', { request: a.request, reason: $('f-reason').value }));
}

function showTab(tab) {
  document.querySelectorAll('#tabs [data-tab]').forEach((b) => b.classList.toggle('on', b.dataset.tab === tab));
  document.querySelectorAll('.tabbody [data-panel]').forEach((s) => { s.hidden = s.dataset.panel !== tab; });
  document.body.dataset.tab = tab;
  requestAnimationFrame(() => map.map.invalidateSize());
}

async function main() {
  applyStatic();
  showConn();
  tick();
  $('lang').textContent = getLang().startsWith('zh') ? 'EN' : '中文';
  $('lang').onclick = () => { setLang(getLang().startsWith('zh') ? 'en' : 'zh-CN'); $('lang').textContent = getLang().startsWith('zh') ? 'EN' : '中文'; };
  onLang(() => { for (const k of Object.keys(drawnKeys)) delete drawnKeys[k]; showConn(); map.relabel(); $('hint').textContent = t('hint_' + map.mode); alerter.label(); render(); });
  document.querySelectorAll('#tabs [data-tab]').forEach((b) => { b.onclick = () => showTab(b.dataset.tab); });
  $('p-warnings').addEventListener('refold', () => { delete drawnKeys.warnings; P.warnings($('p-warnings'), state, openWarnings); });
  me = await getJSON('/api/whoami');
  const roleLabel = () => { $('role').textContent = t('role_' + me.role) + (me.subject && me.role === 'partner' ? ` · ${place(me.subject, 'neighbour')}` : ''); };
  roleLabel();
  onLang(roleLabel);
  document.body.dataset.role = me.role;
  $('toolbar').hidden = !isOperator();
  document.querySelectorAll('#toolbar [data-mode]').forEach((b) => { b.onclick = () => setMode(b.dataset.mode); });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !$('dlg').open) setMode('select'); });
  setMode('select');
  await map.load();
  new Feed({
    onStatus: setConn,
    onTimeline: (entries) => {
      const at = state ? clock(P.dataNow(state).toISOString(), false) : '';
      for (const e of entries) e.at = at;
      tl.push(...entries);
      if (tl.length > 600) tl.splice(0, tl.length - 600);
    },
    onState: (s) => { state = s; document.body.dataset.seq = s.seq; render(); },
  }).start();
}

main().catch((e) => { document.body.prepend(el('div', { class: 'err' }, String(e))); });
