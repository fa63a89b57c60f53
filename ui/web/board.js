// board.js: the operators' board — map, panels, live feed and actions.
import { getJSON, post, el } from './api.js';
import { t, tr, name, setLang, getLang, applyStatic, onLang } from './i18n.js';
import { Feed } from './ws.js';
import { TownMap } from './map.js';
import * as P from './panels.js';

const $ = (id) => document.getElementById(id);
let me = { role: 'viewer' };
let state = null;
const tl = [];
const isOperator = () => me.role === 'operator';

const map = new TownMap($('map'), { onClick: (at) => isOperator() && clicked(at) });
window.floodcmdMap = map; // for the browser tests and the console

function render() {
  if (!state) return;
  map.setState(state);
  $('town').textContent = name(map.scenario) || state.town || '';
  const c = state.counters || {};
  $('counters').textContent = state.counters
    ? ` · ${t('incidents')} ${c.open_incidents}/${c.incidents} · ${t('st_available')} ${c.responders_available} · ${t('st_busy')} ${c.responders_busy}`
    : '';
  $('drill').hidden = !isDrill(state);
  const acts = isOperator() ? { resolve, reassign, approve, dismiss, approveAid, declineAid, releaseAid, shelter, cancelEvacuation, household } : null;
  P.incidents($('p-incidents'), state, acts);
  P.responders($('p-responders'), state);
  P.shelters($('p-shelters'), state, map.layers.shelter, acts);
  P.warnings($('p-warnings'), state, acts);
  P.evacuation($('p-evacuation'), state, acts);
  P.rainfall($('p-rainfall'), state);
  P.aid($('p-aid'), state, acts);
  P.timeline($('p-timeline'), tl);
  P.rejections($('p-rejections'), state);
}

// isDrill: the state or the events say this is a drill.
function isDrill(st) {
  const d = st.drill;
  if (d === true || st.mode === 'drill') return true;
  if (d && typeof d === 'object' && (d.active || d.events > 0)) return true;
  return tl.some((e) => /drill/.test(e.type || '') || /drill/.test(e.subject || ''));
}

function setConn(s) {
  $('conn').className = `conn ${s}`;
  $('conn-text').textContent = t(s);
  document.body.dataset.conn = s;
}

// --- actions: every one appends a command to the log; the board changes when the log says so.

function form(title, fields, submit) {
  const f = $('dlg-form');
  const msg = el('div', { class: 'err', id: 'dlg-msg' });
  f.replaceChildren(el('h3', {}, title), ...fields.map(([label, input]) => el('label', {}, el('span', {}, label), input)), msg,
    el('div', { class: 'acts' },
      el('button', { value: 'cancel', formnovalidate: true }, t('cancel')),
      el('button', { id: 'dlg-ok', value: 'ok', onclick: async (e) => {
        e.preventDefault();
        if (!f.reportValidity()) return;
        const r = await submit();
        if (r.ok) { $('dlg').close(); flash(t('sent')); } else msg.textContent = r.body.message || `HTTP ${r.status}`;
      } }, t('submit'))));
  $('dlg').showModal();
}

function input(attrs) { return el('input', attrs); }
function select(id, opts, value) { return el('select', { id }, ...opts.map(([v, l]) => el('option', { value: v, selected: v === value }, l))); }
function flash(text) { $('hint').textContent = text; setTimeout(() => { $('hint').textContent = t('click_map'); }, 2500); }

function clicked(at) {
  if (at.road) return roadDialog(at.road);
  map.setMarker([at.lon, at.lat]);
  const kinds = ['flooding', 'trapped', 'evacuation', 'blocked_channel', 'dangerous_house', 'landslide', 'road_flooded', 'dike_breach', 'reservoir', 'other'];
  form(`${t('new_incident')} (${at.lat.toFixed(5)}, ${at.lon.toFixed(5)})`, [
    [t('kind'), select('f-kind', kinds.map((k) => [k, tr('k_', k)]), 'flooding')],
    [t('people'), input({ id: 'f-people', type: 'number', min: 0, max: 100000, value: 1 })],
    [t('severity'), select('f-sev', [['0', '—'], ['1', '1'], ['2', '2'], ['3', '3'], ['4', '4']], '0')],
    [t('note'), input({ id: 'f-note', maxlength: 500 })],
  ], () => {
    const body = { kind: $('f-kind').value, lat: +at.lat.toFixed(6), lon: +at.lon.toFixed(6), people: +$('f-people').value, note: $('f-note').value };
    if (+$('f-sev').value) body.severity = +$('f-sev').value;
    return post('/api/incidents', body);
  });
}

function roadDialog(road) {
  const cur = (state?.roads || []).find((r) => r.id === road.id);
  const verb = cur?.closed ? 'open_road' : 'close_road';
  form(`${t(verb)}: ${name(road)} (${road.id})${cur?.closed ? ' · ' + t('closed') : ''}`, [
    [t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })],
  ], () => post(`/api/commands/${verb}`, { road: road.id, reason: $('f-reason').value }));
}

function resolve(inc) {
  form(`${t('resolve')}: ${tr('k_', inc.kind)} ${inc.id}`, [[t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]],
    () => post('/api/commands/resolve', { incident: inc.id, reason: $('f-reason').value }));
}

function reassign(a) {
  const opts = (state.responders || []).filter((r) => r.status === 'available' || r.id === a.responder)
    .map((r) => [r.id, `${r.id} ${name(r)} (${tr('st_', r.status)})`]);
  form(`${t('reassign')}: ${a.id}`, [
    [t('responder'), select('f-resp', opts, a.responder)],
    [t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })],
  ], () => post('/api/commands/reassign', { assignment: a.id, responder: $('f-resp').value, reason: $('f-reason').value }));
}

function approve(p) {
  form(`${t('approve')}: ${tr('a_', p.action)} ${p.village || p.gauge || ''}`, [[t('reason'), input({ id: 'f-reason', maxlength: 500 })]],
    () => post('/api/commands/approve', { proposal: p.id, reason: $('f-reason').value }));
}

function dismiss(p) {
  form(`${t('dismiss')}: ${tr('a_', p.action)} ${p.village || p.gauge || ''}`, [[t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]],
    () => post('/api/commands/dismiss', { proposal: p.id, reason: $('f-reason').value }));
}

function shelter(p, open) {
  const verb = open ? 'close_shelter' : 'open_shelter';
  form(`${t(verb)}: ${name(p)}`, [[t('reason'), input({ id: 'f-reason', required: open, maxlength: 500 })]],
    () => post(`/api/commands/${verb}`, { shelter: p.id, reason: $('f-reason').value }));
}

// evacuate orders grids evacuated; the engine gives every registered household a shelter.
function evacuate() {
  const grids = (map.layers.grid?.features || []).map((f) => f.properties)
    .sort((a, b) => (b.low_lying_share || 0) - (a.low_lying_share || 0));
  const pick = el('select', { id: 'f-grids', multiple: true, size: 8, required: true },
    ...grids.map((g) => el('option', { value: g.id }, `${name(g)} (${g.id}) · ${t('low_lying')} ${Math.round(100 * (g.low_lying_share || 0))}%`)));
  form(t('order_evacuation'), [
    [t('grid'), pick],
    [t('level'), select('f-level', [['mandatory', t('mandatory')], ['advisory', t('advisory')]], 'mandatory')],
    [t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })],
  ], () => post('/api/commands/evacuate', {
    grids: [...pick.selectedOptions].map((o) => o.value), level: $('f-level').value, reason: $('f-reason').value,
  }));
}

function cancelEvacuation(o) {
  form(`${t('cancel')}: ${t(o.kind)} ${o.id}`, [[t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]],
    () => post('/api/commands/cancel_evacuation', { order: o.id, reason: $('f-reason').value }));
}

// household records a grid worker's report; "staying" is confirmed by the operator who sends it.
function household(h, status) {
  form(`${tr('st_', status)}: ${h.id} ${h.address || ''}`, [[t('reason'), input({ id: 'f-reason', required: status === 'staying', maxlength: 500 })]],
    () => post('/api/commands/household', { household: h.id, status, reason: $('f-reason').value }));
}

function approveAid(a) {
  const asked = (a.needs || []).reduce((s, n) => s + n.count, 0);
  form(`${t('approve')}: ${a.from} ${a.request}`, [
    [t('count'), input({ id: 'f-count', type: 'number', min: 1, max: asked || 1000, value: asked || 1, required: true })],
    [t('reason'), input({ id: 'f-reason', maxlength: 500 })],
  ], () => post('/api/commands/approve_aid', { request: a.request, count: +$('f-count').value, reason: $('f-reason').value }));
}

function declineAid(a) {
  form(`${t('decline')}: ${a.from} ${a.request}`, [[t('reason'), input({ id: 'f-reason', required: true, maxlength: 500 })]],
    () => post('/api/commands/decline_aid', { request: a.request, reason: $('f-reason').value }));
}

function releaseAid(a) {
  form(`${t('release')}: ${a.to} ${a.request}`, [[t('reason'), input({ id: 'f-reason', maxlength: 500 })]],
    () => post('/api/commands/release_aid', { request: a.request, reason: $('f-reason').value }));
}

async function main() {
  applyStatic();
  $('lang').textContent = getLang().startsWith('zh') ? 'EN' : '中文';
  $('lang').onclick = () => { setLang(getLang().startsWith('zh') ? 'en' : 'zh-CN'); $('lang').textContent = getLang().startsWith('zh') ? 'EN' : '中文'; };
  onLang(() => { render(); map.draw(); });
  me = await getJSON('/api/whoami');
  $('role').textContent = me.role + (me.subject ? ` · ${me.subject}` : '');
  document.body.dataset.role = me.role;
  $('hint').hidden = !isOperator();
  $('evacuate').hidden = !isOperator();
  $('evacuate').onclick = evacuate;
  await map.load();
  new Feed({
    onStatus: setConn,
    onTimeline: (entries) => { tl.push(...entries); if (tl.length > 300) tl.splice(0, tl.length - 300); },
    onState: (s) => { state = s; document.body.dataset.seq = s.seq; render(); },
  }).start();
}

main().catch((e) => { document.body.prepend(el('div', { class: 'err' }, String(e))); });
