// responder.js: one responder's phone — the current assignment, its route, the next valid
// status (decline confirmed, with a reason), taps queued while offline, hand-off to the phone's
// navigation app, a call to the command centre, and reporting an incident from where they stand.
// Installable (manifest + service worker, sw.js): it opens with no signal on the last assignment.
import { getJSON, post, el } from './api.js';
import { t, tr, name, setLang, getLang, applyStatic, onLang, note, zh, refusal } from './i18n.js';
import { Feed } from './ws.js';
import { TownMap, clock } from './map.js';
import { place } from './names.js';
import { duration } from './reasons.js';
import { Outbox } from './queue.js';
import { beep } from './alert.js';

const $ = (id) => document.getElementById(id);
const rid = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop());
const ACTIVE = ['assigned', 'accepted', 'en_route', 'on_scene'];
// NEXT: the statuses a responder may report from each state of the assignment, the usual next
// one first (dispatch/lifecycle.go's transitions); decline is offered apart, and not on scene.
const NEXT = { assigned: ['accepted'], accepted: ['en_route', 'on_scene'], en_route: ['on_scene'], on_scene: ['done'] };
const DECLINABLE = ['assigned', 'accepted', 'en_route'];
const LABEL = { accepted: 'accept', en_route: 'en_route', on_scene: 'on_scene', done: 'done' };
const SAVED = `floodcmd.last.${rid}`;
let state = null;
let live = false;
let pick = null; // a point tapped on the map for a report
let routedFor = '';
let gps = null;
let routeText = ''; // kept across re-renders of the task card
let around = null; // the surroundings answer of the current assignment
let known = null; // assignment ids seen, to tell a new one

const map = new TownMap($('map'), {
  layers: ['town', 'village', 'river', 'shelter'], phone: true,
  onPick: () => {},
});
map.map.on('click', (e) => { pick = [e.latlng.lng, e.latlng.lat]; map.setMarker(pick); renderReport(); });

const outbox = new Outbox(rid, (item) => post(`/api/responders/${encodeURIComponent(rid)}/status`, item.body), () => { renderQueue(); render(); });

function me() { return (state?.responders || []).find((r) => r.id === rid); }
function current() {
  const r = me();
  const list = (state?.assignments || []).filter((a) => a.responder === rid && ACTIVE.includes(a.status));
  return list.find((a) => a.id === r?.assignment) || list[list.length - 1] || null;
}

// shownStatus: the assignment's status as the phone last told it, queued taps included.
function shownStatus(a) {
  const mine = outbox.items().filter((x) => x.body.assignment === a.id);
  return mine.length ? mine[mine.length - 1].body.status : a.status;
}

function render() {
  const r = me(), a = current();
  $('who').textContent = r ? `${name(r)} · ${tr('st_', r.status)}` : '';
  $('drill').hidden = !(state?.drill === true || state?.drill?.events > 0 || state?.mode === 'drill');
  $('offline-note').hidden = live || !state;
  map.setState({ responders: r ? [r] : [], incidents: state?.incidents || [], roads: state?.roads || [] });
  if (!a) {
    $('task').replaceChildren(el('p', { class: 'muted', id: 'no-task' }, t('no_assignment')));
    $('buttons').replaceChildren(); $('handoff').replaceChildren(...[callLink()].filter(Boolean));
    map.setRoute(null); routedFor = ''; routeText = '';
    return;
  }
  const inc = (state.incidents || []).find((i) => i.id === a.incident) || {};
  const status = shownStatus(a);
  $('task').replaceChildren(el('div', { class: `card inc p${a.priority}`, id: 'task-card', 'data-assignment': a.id, 'data-status': a.status },
    el('div', { class: 'row' }, el('b', {}, `P${a.priority} ${tr('k_', inc.kind)}`), el('span', { class: 'tag', id: 'task-status' }, tr('st_', status))),
    el('div', { class: 'small' }, `${t('people')} ${inc.people ?? '?'} · ${place(inc.village, 'village')} · ${tr('c_', a.capability)}`),
    inc.note ? el('div', { class: 'small muted' }, note(inc.note)) : null,
    el('div', { class: 'small', id: 'route-info' }, routeText)));
  const next = NEXT[status] || [];
  $('buttons').replaceChildren(
    ...next.map((s, i) => el('button', { type: 'button', id: `b-${s}`, class: i === 0 ? 'next' : '', onclick: () => report(s, a) }, t(LABEL[s]))),
    ...(DECLINABLE.includes(status) ? [el('button', { type: 'button', id: 'b-declined', class: 'decline', onclick: () => declineDialog(a) }, t('decline'))] : []));
  $('handoff').replaceChildren(...navLinks(a, inc), ...[callLink()].filter(Boolean));
  if (routedFor !== a.id && r) { routedFor = a.id; route(r, a); }
}

// navLinks hand the destination to the phone's own navigation: geo: (WGS-84, Android's maps),
// Amap and Baidu (GCJ-02, from the server's conversion).
function navLinks(a, inc) {
  const label = encodeURIComponent(`${tr('k_', inc.kind)} ${place(inc.village, 'village')}`);
  const links = [el('a', { id: 'nav-geo', href: `geo:${a.lat},${a.lon}?q=${a.lat},${a.lon}(${label})` }, `${t('navigate')} · ${t('nav_geo')}`)];
  const g = around?.to_gcj02;
  if (g) {
    links.push(el('a', { id: 'nav-amap', href: `https://uri.amap.com/navigation?to=${g[1].toFixed(6)},${g[0].toFixed(6)},${label}&mode=car&coordinate=gaode&callnative=1` }, t('nav_amap')),
      el('a', { id: 'nav-baidu', href: `baidumap://map/direction?destination=latlng:${g[0].toFixed(6)},${g[1].toFixed(6)}|name:${label}&coord_type=gcj02&mode=driving&src=floodcmd` }, t('nav_baidu')));
  }
  return links;
}

function callLink() {
  const phone = map.scenario?.phone;
  return phone ? el('a', { id: 'call', class: 'call', href: `tel:${phone}` }, `${t('call_centre')} ${phone}`) : null;
}

async function route(r, a) {
  const from = gps ? `${gps[1]},${gps[0]}` : `${r.lat},${r.lon}`;
  map.focus([[r.lon, r.lat], [a.lon, a.lat]]);
  try {
    // Only what this task needs: the roads and shelters around the way, and the destination in GCJ-02.
    around = await getJSON(`/api/responders/${encodeURIComponent(rid)}/surroundings?from=${from}&to=${a.lat},${a.lon}`);
    map.setRoads(around.roads);
    render();
  } catch { /* offline and never fetched: the route line still shows if it arrives */ }
  try {
    const ans = await getJSON(`/api/route?from=${from}&to=${a.lat},${a.lon}`);
    map.setRoute(ans);
    routeText = `${t('route')}: ${(ans.meters / 1000).toFixed(1)} ${t('km')} · ${t('eta')} ${duration(ans.seconds)}`;
  } catch { routeText = `${t('route')}: —`; }
  const info = $('route-info');
  if (info) info.textContent = routeText;
}

// report queues a status tap and sends it; with no signal it stays queued, marked 未发送.
async function report(status, a, extra = {}) {
  const body = { status, assignment: a.id, ...extra };
  if (gps) { body.lon = gps[0]; body.lat = gps[1]; }
  const answers = await outbox.push({ body });
  const bad = answers.find((x) => !x.res.ok);
  $('msg').textContent = bad ? refusal(bad.res) : outbox.items().length ? t('queued') : '';
}

function renderQueue() {
  const items = outbox.items();
  $('queue').replaceChildren(...(items.length ? [el('div', { class: 'queue', id: 'outbox' },
    ...items.map((x) => el('div', { 'data-queued': x.body.status }, el('span', { class: 'unsent' }, `${t('unsent')} `),
      `${tr('st_', x.body.status)} · ${clock(x.queued_at, false)}`)))] : []));
}

// declineDialog: declining takes a confirmation and a reason, so a slip of the thumb does not
// send a crew's task back to the dispatcher.
function declineDialog(a) {
  const reasons = zh() ? ['车辆故障', '正在执行其他任务', '道路不通无法到达', '身体原因', '其他'] : ['vehicle broken down', 'busy with another task', 'cannot get through', 'health', 'other'];
  const sel = el('select', { id: 'decline-reason' }, ...reasons.map((r) => el('option', { value: r }, r)));
  const more = el('input', { id: 'decline-note', placeholder: t('note'), maxlength: 300 });
  const box = el('div', { class: 'card', id: 'decline-box' },
    el('b', {}, `${t('decline')}？`), el('div', { class: 'small' }, t('decline_reason')), sel, more,
    el('div', { class: 'acts' },
      el('button', { type: 'button', onclick: () => box.remove() }, t('cancel')),
      el('button', { type: 'button', id: 'decline-confirm', onclick: () => { box.remove(); report('declined', a, { note: [sel.value, more.value].filter(Boolean).join('：') }); } }, t('confirm_decline'))));
  $('buttons').after(box);
}

function renderReport() {
  const kinds = ['flooding', 'trapped', 'evacuation', 'blocked_channel', 'dangerous_house', 'landslide', 'road_flooded', 'dike_breach', 'reservoir', 'other'];
  const where = pick || gps;
  $('report').replaceChildren(
    el('select', { id: 'r-kind' }, ...kinds.map((k) => el('option', { value: k }, tr('k_', k)))),
    el('input', { id: 'r-people', type: 'number', min: 0, value: 1, style: 'width:5em' }),
    el('input', { id: 'r-note', placeholder: t('note') }),
    el('div', { class: 'small muted' }, where ? `${t('position')}: ${where[1].toFixed(5)}, ${where[0].toFixed(5)}` : t('tap_map')),
    el('button', { type: 'button', id: 'r-send', disabled: !where, onclick: sendReport }, t('submit')));
}

async function sendReport() {
  const where = pick || gps;
  try {
    const res = await post('/api/incidents', { kind: $('r-kind').value, people: +$('r-people').value, note: $('r-note').value, lat: where[1], lon: where[0] });
    $('msg').textContent = res.ok ? t('sent') : refusal(res);
  } catch { $('msg').textContent = t('offline'); }
}

// keep saves what the phone needs to open offline: this responder, their assignments and incidents.
function keep(s) {
  const mine = (s.assignments || []).filter((a) => a.responder === rid);
  const incs = new Set(mine.map((a) => a.incident));
  localStorage.setItem(SAVED, JSON.stringify({ drill: s.drill, responders: (s.responders || []).filter((r) => r.id === rid),
    assignments: mine, incidents: (s.incidents || []).filter((i) => incs.has(i.id)), roads: s.roads || [] }));
}

// newAssignment vibrates and sounds once for an assignment the phone has not seen before.
function newAssignment(s) {
  const ids = (s.assignments || []).filter((a) => a.responder === rid && a.status === 'assigned').map((a) => a.id);
  if (known === null) { known = new Set(ids); return; }
  const fresh = ids.filter((id) => !known.has(id));
  ids.forEach((id) => known.add(id));
  if (!fresh.length) return;
  if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
  beep();
  document.body.dataset.newAssignment = fresh[fresh.length - 1];
}

function setConn(s) {
  if (s === 'live') { live = true; outbox.flush(); } else if (s === 'offline') live = false;
  $('conn').className = `conn ${s}`;
  $('conn').textContent = t(s);
  document.body.dataset.conn = s;
  $('offline-note').hidden = live || !state;
}

async function main() {
  applyStatic();
  $('lang').textContent = getLang().startsWith('zh') ? 'EN' : '中文';
  $('lang').onclick = () => { setLang(getLang().startsWith('zh') ? 'en' : 'zh-CN'); $('lang').textContent = getLang().startsWith('zh') ? 'EN' : '中文'; };
  onLang(() => { render(); renderReport(); renderQueue(); map.relabel(); });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/responder/sw.js', { scope: '/responder/' })
      .then(() => navigator.serviceWorker.ready)
      .then(async () => {
        // This first visit was not yet under the worker: put the page and its layers in its cache now.
        const c = await caches.open('floodcmd-phone-v1');
        await c.addAll([location.pathname, `${location.pathname}/manifest.webmanifest`, ...map.only.map((k) => `/api/scenario/${k}`)]);
        document.body.dataset.sw = 'registered';
      }, (e) => { document.body.dataset.sw = 'failed: ' + e.message; });
  }
  try { const saved = JSON.parse(localStorage.getItem(SAVED) || 'null'); if (saved) { state = saved; } } catch { /* none kept */ }
  renderQueue();
  try { await map.load(); } catch (e) { $('msg').textContent = t('offline'); }
  if (state) render();
  renderReport();
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition((p) => { gps = [p.coords.longitude, p.coords.latitude]; renderReport(); }, () => {}, { enableHighAccuracy: true });
  }
  window.addEventListener('online', () => outbox.flush());
  setInterval(() => { if (outbox.items().length) outbox.flush(); }, 5000);
  new Feed({
    onStatus: setConn,
    onState: (s) => { state = s; keep(s); newAssignment(s); document.body.dataset.seq = s.seq; render(); },
  }).start();
}

main().catch((e) => { document.body.prepend(el('div', { class: 'err' }, String(e))); });
