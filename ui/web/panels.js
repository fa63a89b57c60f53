// panels.js: the board's side panels, rendered from the state the feed keeps. Every id is shown
// by its name (names.js), every decision in words (reasons.js).
import { el } from './api.js';
import { t, tr, name, zh, note, colon, paren } from './i18n.js';
import { place, placeList, person, feature } from './names.js';
import { explain, duration } from './reasons.js';
import { clock, crewShort, villageLevel } from './map.js';

const PRI = ['', 'p1', 'p2', 'p3', 'p4'];
const RANK = { '': 0, blue: 1, yellow: 2, orange: 3, red: 4 };
const sep = () => (zh() ? '、' : ', ');
const none = () => el('div', { class: 'muted small' }, t('none'));

/** dataNow is the time of the data: the drill's clock in a drill, else the newest reading, else now. */
export function dataNow(st) {
  const real = (s) => { const v = Date.parse(s); return v > Date.UTC(2000, 0, 1) ? v : 0; }; // Go's zero time is not a time
  if (st.drill?.events > 0 && real(st.drill.last)) return new Date(real(st.drill.last));
  let best = 0;
  for (const g of st.gauges || []) best = Math.max(best, real(g.last_reading));
  return best ? new Date(best) : new Date();
}

/** age says how long ago a time was, against the data's clock. */
function age(st, s) {
  const ms = dataNow(st) - new Date(s);
  if (!isFinite(ms) || ms < 0 || ms > 3 * 86400e3) return ''; // days off: another clock, not an age
  return zh() ? `${duration(Math.round(ms / 60000) * 60)}前` : `${duration(Math.round(ms / 60000) * 60)} ago`;
}

// ageP is the age in brackets, or nothing.
function ageP(st, s) { const a = age(st, s); return a ? paren(a) : ''; }

function needsText(needs) {
  return (needs || []).map((n) => `${tr('c_', n.capability)} ${n.met}/${n.count}`).join(zh() ? '，' : ', ');
}

/** proposalText says a warning rule's proposal in words from its fields, not its English reason. */
export function proposalText(p) {
  const who = p.village ? place(p.village, 'village') : place(p.gauge, 'gauge');
  const grids = (p.grids || []).length ? (zh() ? `${paren(placeList(p.grids, 'grid'))}` : ` (${placeList(p.grids, 'grid')})`) : '';
  const people = p.people ? (zh() ? ` ${p.people}人` : ` ${p.people} people`) : '';
  return `${tr('a_', p.action)} ${who}${grids}${people}`;
}

// proposalWhy: the level that raised it; stale when the level has fallen since.
function proposalWhy(st, p) {
  const now = p.village ? villageLevel(st, p.village) : (st.gauges || []).find((g) => g.id === p.gauge)?.level || '';
  const raised = p.level ? `${tr('w_', p.level)}${zh() ? '预警' : ' warning'}` : '';
  const fell = p.level && (RANK[now] || 0) < (RANK[p.level] || 0);
  const since = !fell ? '' : now ? (zh() ? `，现已降为${tr('w_', now)}` : `, now ${tr('w_', now)}`) : (zh() ? '，预警已解除' : ', warning lifted');
  return { text: raised + since, stale: fell };
}

/** urgent is the pinned block: pending proposals, priority-1 incidents short of crew, people
 * unaccounted, aid awaiting an answer. */
export function urgent(root, st, acts) {
  const items = [];
  for (const p of (st.proposals || []).filter((x) => x.status === 'pending').sort((a, b) => String(a.time).localeCompare(String(b.time)))) {
    const why = proposalWhy(st, p);
    items.push(el('div', { class: `urg proposal${why.stale ? ' stale' : ''}`, 'data-proposal': p.id },
      el('div', {}, el('b', {}, `${t('pending_proposal')}${colon()}`), proposalText(p)),
      el('div', { class: 'small muted' }, `${clock(p.time)}${ageP(st, p.time)} · ${why.text}`),
      acts ? el('div', { class: 'acts' },
        el('button', { type: 'button', onclick: () => acts.approve(p) }, t('approve')),
        el('button', { type: 'button', onclick: () => acts.dismiss(p) }, t('dismiss'))) : null));
  }
  for (const i of (st.incidents || []).filter((x) => x.status !== 'resolved' && x.priority === 1 && crewShort(x) > 0)) {
    items.push(el('div', { class: 'urg p1', 'data-urgent-incident': i.id, onclick: () => acts?.focusIncident?.(i) },
      el('b', {}, `${t('short_crew')}${colon()}`), `${tr('k_', i.kind)} · ${place(i.village, 'village')} · ${t('people')} ${i.people ?? 0}`,
      el('div', { class: 'small muted' }, `${t('needs')} ${needsText(i.needs)} · ${clock(i.reported_at)}${ageP(st, i.reported_at)}`)));
  }
  const un = (st.evac_grids || []).filter((g) => g.unaccounted?.people > 0);
  if (un.length) {
    const total = un.reduce((s, g) => s + g.unaccounted.people, 0);
    items.push(el('div', { class: 'urg unacc', 'data-urgent': 'unaccounted' },
      el('b', {}, zh() ? `${total}${t('people_unaccounted')}` : `${total} ${t('people_unaccounted')}`),
      el('div', { class: 'small muted' }, un.map((g) => `${place(g.id, 'grid')} ${g.unaccounted.people}`).join(sep()))));
  }
  for (const a of (st.aid || []).filter((x) => x.direction === 'in' && x.state === 'requested')) {
    items.push(el('div', { class: 'urg aid', 'data-aid': a.id },
      el('b', {}, `${t('aid_waiting')}${colon()}`), `${place(a.from, 'neighbour')} · ${(a.needs || []).map((n) => `${tr('c_', n.capability)}×${n.count}`).join(sep())}`,
      acts ? el('div', { class: 'acts' },
        el('button', { type: 'button', onclick: () => acts.approveAid(a) }, t('approve')),
        el('button', { type: 'button', onclick: () => acts.declineAid(a) }, t('decline'))) : null));
  }
  root.replaceChildren(...(items.length ? items : [el('div', { class: 'muted small' }, t('nothing_urgent'))]));
  root.closest('section').classList.toggle('has', items.length > 0);
}

/** incidents renders the queue: open first, by priority then age. */
export function incidents(root, st, actions) {
  const asg = new Map((st.assignments || []).map((a) => [a.id, a]));
  const list = (st.incidents || []).filter((i) => i.status !== 'resolved')
    .sort((a, b) => (a.priority || 9) - (b.priority || 9) || String(a.reported_at).localeCompare(String(b.reported_at)));
  root.replaceChildren(...(list.length ? list.map((i) => el('div', { class: `card inc ${PRI[i.priority] || ''}`, 'data-incident': i.id },
    el('div', { class: 'row' },
      el('b', {}, `P${i.priority || '?'} ${tr('k_', i.kind)}`),
      el('span', { class: 'muted' }, ` ${place(i.village, 'village')} · ${t('people')} ${i.people || 0}`),
      el('span', { class: 'tag' }, tr('st_', i.status)),
      el('span', { class: 'muted small' }, `${clock(i.reported_at)}${ageP(st, i.reported_at)}`)),
    el('div', { class: 'small' }, `${t('needs')}${colon()}${needsText(i.needs) || '—'}`),
    i.note ? el('div', { class: 'small muted' }, note(i.note)) : null,
    ...(i.assignments || []).map((id) => {
      const a = asg.get(id);
      if (!a || ['cancelled', 'timed_out', 'declined', 'done'].includes(a.status)) return null;
      return el('div', { class: 'asg', 'data-assignment': a.id },
        el('span', {}, `${person(a.responder)}${paren(tr('c_', a.capability))}`),
        el('span', { class: 'tag' }, tr('st_', a.status)),
        a.eta_s ? el('span', { class: 'muted' }, ` ${t('eta')} ${duration(a.eta_s)}`) : null,
        el('div', { class: 'small muted reason' }, explain(a)),
        actions ? el('button', { type: 'button', class: 'link', onclick: () => actions.reassign(a) }, t('reassign')) : null);
    }),
    actions ? el('div', { class: 'acts' }, el('button', { type: 'button', onclick: () => actions.resolve(i) }, t('resolve'))) : null))
    : [none()]));
}

/** responders counts responders by tier and status, and lists the busy ones. */
export function responders(root, st) {
  const rs = st.responders || [];
  if (!rs.length) { root.replaceChildren(none()); return; }
  const statuses = ['available', 'accepted', 'en_route', 'on_scene', 'done', 'declined', 'off_duty'];
  const tierOf = (r) => (r.reserve ? 'reserve' : r.tier);
  const tiers = [...new Set(rs.map(tierOf))];
  const count = (tier, s) => rs.filter((r) => tierOf(r) === tier && r.status === s).length;
  const table = el('table', { class: 'grid' },
    el('tr', {}, el('th', {}, ''), ...statuses.map((s) => el('th', {}, tr('st_', s)))),
    ...tiers.map((tier) => el('tr', {}, el('th', {}, t('tier_' + tier)), ...statuses.map((s) => el('td', {}, count(tier, s) || '')))));
  const busy = rs.filter((r) => r.assignment).map((r) => {
    const a = (st.assignments || []).find((x) => x.id === r.assignment);
    const inc = a && (st.incidents || []).find((i) => i.id === a.incident);
    return el('div', { class: 'small' }, `${name(r)}${paren(r.team || t('tier_' + tierOf(r)))}· ${tr('st_', r.status)}`,
      inc ? ` → P${inc.priority} ${tr('k_', inc.kind)} ${place(inc.village, 'village')}` : '');
  });
  // Teams: how many of each are standing by and at work.
  const teams = new Map();
  for (const r of rs) {
    const k = r.team || t('tier_' + tierOf(r));
    const c = teams.get(k) || { all: 0, busy: 0, ready: 0 };
    c.all++;
    if (['accepted', 'en_route', 'on_scene'].includes(r.status)) c.busy++;
    if (r.status === 'available') c.ready++;
    teams.set(k, c);
  }
  const teamTable = el('table', { class: 'grid teams' },
    el('tr', {}, el('th', {}, t('team')), el('th', {}, t('total')), el('th', {}, t('st_available')), el('th', {}, t('busy'))),
    ...[...teams].map(([k, c]) => el('tr', {}, el('th', {}, k), el('td', {}, c.all), el('td', {}, c.ready), el('td', { class: c.busy ? 'hot' : '' }, c.busy || ''))));
  root.replaceChildren(table, ...busy, el('h2', {}, t('team')), teamTable);
}

/** shelters lists shelters with occupancy bars; an operator opens or closes one. */
export function shelters(root, st, layer, actions) {
  const occ = new Map((st.shelters || []).map((s) => [s.id, s]));
  const feats = layer?.features || [];
  root.replaceChildren(...feats.map((f) => {
    const p = f.properties, s = occ.get(p.id) || {};
    const cap = s.capacity || p.capacity_night || p.capacity_day || 0;
    const n = s.occupancy ?? 0;
    const pct = cap ? Math.min(100, Math.round((100 * n) / cap)) : 0;
    const open = s.open !== false;
    // People checked in at the door of a full or closed shelter are recorded, not refused:
    // the panel says so, for an operator to move them on.
    const over = s.over_capacity ? el('b', { class: 'hot', 'data-over': s.over_capacity }, ` · ${t('over_capacity')} ${s.over_capacity}${t('persons')}`) : '';
    const closedInside = !open && n ? el('b', { class: 'hot' }, ` · ${t('closed_inside')}`) : '';
    return el('div', { class: 'shelter', 'data-shelter': p.id },
      el('div', { class: 'small' }, `${name(p)} ${n}/${cap}`, s.on_the_way ? paren(`+${s.on_the_way} ${t('on_the_way')}`) : '',
        open ? '' : ` · ${t('closed')}`, over, closedInside,
        actions ? el('button', { type: 'button', class: 'link', onclick: () => actions.shelter(p, open) }, t(open ? 'close_shelter' : 'open_shelter')) : null),
      el('div', { class: 'bar' }, el('div', { class: pct > 90 ? 'fill hot' : 'fill', style: `width:${pct}%` })));
  }));
}

/** evacuation shows the orders (an operator may cancel one) and, per ordered grid, people:
 * ordered, at shelters, moving, staying, unaccounted; the first unaccounted households can be
 * marked notified or staying (confirmed by the operator). */
export function evacuation(root, st, actions) {
  const grids = (st.evac_grids || []).filter((g) => g.ordered?.households);
  const orders = (st.evac_orders || []).filter((o) => o.status === 'active').map((o) => el('div', { class: 'small', 'data-order': o.id },
    el('b', {}, `${t(o.kind)} `), `${placeList(o.grids, 'grid') || placeList(o.villages, 'village') || t('polygon')} · ${o.people}${t('persons')} ${clock(o.time)} `,
    actions ? el('button', { type: 'button', class: 'link', onclick: () => actions.cancelEvacuation(o) }, t('cancel')) : null));
  if (!grids.length && !orders.length) { root.replaceChildren(none()); return; }
  const row = (g) => el('tr', {},
    el('td', {}, place(g.id, 'grid')), el('td', {}, `${g.ordered.people}`), el('td', {}, `${g.at_shelter.people}`),
    el('td', {}, `${g.moving.people}`), el('td', {}, `${g.staying.people}`),
    el('td', { class: g.unaccounted.people ? 'hot' : 'ok' }, `${g.unaccounted.people}`));
  root.replaceChildren(
    ...orders,
    el('table', { class: 'grid' },
      el('tr', {}, ...['grid', 'ordered', 'at_shelter', 'moving', 'staying', 'unaccounted'].map((k) => el('th', {}, t(k)))),
      ...grids.map(row)),
    ...(st.unaccounted || []).slice(0, 12).map((h) => el('div', { class: 'small', 'data-household': h.id },
      `${h.address || place(h.grid, 'grid')} · ${h.members}${t('persons')}${h.vulnerable ? ' ♿' + h.vulnerable : ''} · ${tr('st_', h.state)}${h.shelter ? ' → ' + place(h.shelter, 'shelter') : ''} `,
      actions ? el('button', { type: 'button', class: 'link', onclick: () => actions.household(h, 'notified') }, t('st_notified')) : null,
      actions ? el('button', { type: 'button', class: 'link', onclick: () => actions.household(h, 'staying') }, t('st_staying')) : null)));
}

// evidenceText: "3小时 51.2毫米 ≥ 50" / "2.81 米 ≥ 2.80".
function evidenceText(e) {
  if (e.mm != null) return zh() ? `${e.hours}小时 ${e.mm}毫米（≥${e.threshold}）` : `${e.mm} mm in ${e.hours} h (≥${e.threshold})`;
  if (e.meters != null) return zh() ? `${e.meters}米（≥${e.threshold}）` : `${e.meters} m (≥${e.threshold})`;
  return '';
}

/** warnings folds warnings to one line per village (its gauges on click), then gauges of their
 * own (reservoir, river) and the proposals already answered. */
export function warnings(root, st, open = new Set()) {
  const byVillage = new Map();
  for (const w of st.warnings || []) {
    const v = w.scope === 'village' ? w.target : w.scope === 'grid' ? null : null;
    if (!v) continue;
    const cur = byVillage.get(v);
    if (!cur || (RANK[w.level] || 0) > (RANK[cur.level] || 0)) byVillage.set(v, w);
  }
  const lines = [...byVillage.entries()].sort((a, b) => (RANK[b[1].level] || 0) - (RANK[a[1].level] || 0) || place(a[0]).localeCompare(place(b[0])))
    .map(([v, w]) => {
      const wv = (st.warning_villages || []).find((x) => x.id === v);
      const gauges = wv?.gauges || (w.evidence || []).map((e) => e.gauge).filter(Boolean);
      const isOpen = open.has(v);
      return el('div', { class: `warn ${w.level}`, 'data-warn-village': v },
        el('div', { class: 'small row', onclick: (e) => { if (isOpen) open.delete(v); else open.add(v); e.currentTarget.dispatchEvent(new CustomEvent('refold', { bubbles: true })); } },
          el('b', {}, place(v, 'village')), el('span', { class: `tag ${w.level}` }, tr('w_', w.level)),
          el('span', {}, (w.evidence || []).map(evidenceText).join('；')),
          el('span', { class: 'muted' }, `${clock(w.since, false)}${t('since')} ${isOpen ? '▾' : '▸'}`)),
        isOpen ? el('div', { class: 'small muted' }, gauges.map((g) => gaugeLine(st, g)).join('；') || t('none')) : null);
    });
  const gaugeOwn = (st.warnings || []).filter((w) => w.scope === 'gauge' && w.kind !== 'rain')
    .map((w) => el('div', { class: `warn ${w.level} small` }, el('b', {}, place(w.target, 'gauge')), ' ', el('span', { class: `tag ${w.level}` }, tr('w_', w.level)), ' ',
      (w.evidence || []).map(evidenceText).join('；')));
  root.replaceChildren(...(lines.length || gaugeOwn.length ? [...lines, ...gaugeOwn] : [none()]));
}

function gaugeLine(st, id) {
  const g = (st.gauges || []).find((x) => x.id === id);
  if (!g) return place(id, 'gauge');
  const a = g.accumulations || {};
  return g.kind === 'rain' ? `${place(id, 'gauge')} 1h ${num(a[1])} · 3h ${num(a[3])} · 24h ${num(a[24])} ${t('mm')}` : `${place(id, 'gauge')} ${num(g.meters, 2)} ${t('m')}`;
}

function num(v, d = 1) { return v == null ? '—' : (+v).toFixed(d); }

/** rainfall draws each rain gauge's last 24 hours (mm per hour) with its 1, 3 and 24 h totals;
 * level gauges show their level. */
export function rainfall(root, st) {
  const hours = new Map((st.rainfall || []).map((r) => [r.gauge, r.hours.map((h) => h.mm)]));
  const gs = st.gauges || [];
  root.replaceChildren(...gs.map((g) => {
    const acc = g.accumulations || {};
    return el('div', { class: `gauge ${g.level || ''}` },
      el('span', { class: 'small gname' }, place(g.id, 'gauge')),
      g.kind === 'rain' ? spark(hours.get(g.id) || [], 50 / 3) : null,
      el('b', { class: 'small' }, g.kind === 'rain'
        ? ` 1h ${num(acc[1])} · 3h ${num(acc[3])} · 24h ${num(acc[24])}`
        : ` ${num(g.meters, 2)} ${t('m')}`),
      g.level ? el('span', { class: `tag ${g.level}` }, tr('w_', g.level)) : null);
  }));
}

// spark draws a sparkline; threshold (mm/h) is a dashed line: the orange
// signal's 50 mm in 3 h is about 16.7 mm an hour.
function spark(vals, threshold = 0) {
  const w = 80, h = 16, max = Math.max(1e-9, threshold * 1.2, ...vals);
  const pts = vals.map((v, i) => `${(i / Math.max(1, vals.length - 1)) * w},${h - (v / max) * h}`).join(' ');
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', w); svg.setAttribute('height', h); svg.setAttribute('class', 'spark');
  if (threshold) {
    const ln = document.createElementNS(ns, 'line');
    const y = h - (threshold / max) * h;
    ln.setAttribute('x1', 0); ln.setAttribute('x2', w); ln.setAttribute('y1', y); ln.setAttribute('y2', y);
    ln.setAttribute('stroke', '#f08c00'); ln.setAttribute('stroke-dasharray', '2 2');
    svg.append(ln);
  }
  const pl = document.createElementNS(ns, 'polyline');
  pl.setAttribute('points', pts); pl.setAttribute('fill', 'none'); pl.setAttribute('stroke', '#3069b3');
  svg.append(pl);
  return svg;
}

// Rain thresholds of the named warning configurations (warning/config.go), per window: the
// lowest level's figure, for the summary's "against threshold".
const RAIN_RULES = {
  'cma-national': [['blue', 12, 50], ['yellow', 6, 50], ['orange', 3, 50], ['red', 3, 100]],
  guangdong: [['yellow', 6, 50], ['orange', 3, 50], ['red', 3, 100]],
};

/** summary is the 一张图 table: per village, rain over 1/3/24 h against the threshold, warning
 * level, people ordered / moved / unaccounted, responders on duty and busy. */
export function summary(root, st, villages) {
  const rules = RAIN_RULES[st.warning_config] || RAIN_RULES.guangdong;
  const th3 = rules.filter((r) => r[1] === 3).map((r) => r[2]);
  const gaugeOf = new Map();
  for (const g of st.gauges || []) if (g.kind === 'rain' && g.village) gaugeOf.set(g.village, g);
  const wv = new Map((st.warning_villages || []).map((v) => [v.id, v]));
  const hc = new Map((st.evac_villages || []).map((v) => [v.id, v]));
  const head = ['f_village', 'rain_1h', 'rain_3h', 'rain_24h', 'warn_level', 'ordered', 'moved', 'unaccounted', 'evac_eta', 'evac_progress', 'on_duty', 'busy'];
  const rows = (villages || []).map((f) => {
    const v = f.properties;
    let g = gaugeOf.get(v.id);
    if (!g && wv.get(v.id)?.gauges?.length) g = (st.gauges || []).find((x) => x.id === wv.get(v.id).gauges[0]);
    const a = g?.accumulations || {};
    const lvl = villageLevel(st, v.id);
    const h = hc.get(v.id);
    const rs = (st.responders || []).filter((r) => r.village === v.id && r.tier === 'village');
    const onDuty = rs.filter((r) => !['off_duty', 'no_answer'].includes(r.status)).length;
    const busy = rs.filter((r) => ['accepted', 'en_route', 'on_scene'].includes(r.status)).length;
    const moved = h ? (h.at_shelter?.people || 0) + (h.moving?.people || 0) : 0;
    const over3 = a[3] != null && th3.length && a[3] >= Math.min(...th3);
    return el('tr', { 'data-village': v.id },
      el('th', {}, name(v)),
      el('td', {}, num(a[1])),
      el('td', { class: over3 ? 'hot' : '' }, num(a[3])),
      el('td', {}, num(a[24])),
      el('td', {}, lvl ? el('span', { class: `tag ${lvl}` }, tr('w_', lvl)) : '—'),
      el('td', {}, h ? h.ordered?.people || 0 : '—'), el('td', {}, h ? moved : '—'),
      el('td', { class: h?.unaccounted?.people ? 'hot' : '' }, h ? h.unaccounted?.people || 0 : '—'),
      // The evacuation time estimate (evac/estimate.go) and the progress against it.
      el('td', {}, h?.estimate_min ? (zh() ? `${Math.round(h.estimate_min)}分钟` : `${Math.round(h.estimate_min)} min`) : '—'),
      el('td', { class: h && h.accounted < h.expected_accounted ? 'hot' : '' },
        h?.ordered?.households ? `${h.accounted || 0}/${h.expected_accounted || 0}` : '—'),
      el('td', {}, onDuty), el('td', {}, busy || ''));
  });
  const note3 = zh() ? `3小时雨量阈值：${rules.filter((r) => r[1] === 3).map((r) => `${tr('w_', r[0])}≥${r[2]}毫米`).join('，')}；雨量单位毫米`
    : `3 h thresholds: ${rules.filter((r) => r[1] === 3).map((r) => `${r[0]} ≥${r[2]} mm`).join(', ')}; rain in mm`;
  root.replaceChildren(el('table', { class: 'grid summary' }, el('tr', {}, ...head.map((k) => el('th', {}, t(k)))), ...rows),
    el('div', { class: 'small muted' }, note3));
}

/** aid lists mutual-aid requests, one card per request; an operator approves, declines or sends home. */
export function aid(root, st, actions) {
  const byReq = new Map();
  for (const a of st.aid || []) { const k = a.request || a.id; if (!byReq.has(k)) byReq.set(k, []); byReq.get(k).push(a); }
  if (!byReq.size) { root.replaceChildren(none()); return; }
  root.replaceChildren(...[...byReq.values()].map((group) => {
    const a = group[0];
    const inbound = a.direction === 'in';
    const needs = (a.needs || []).map((n) => `${tr('c_', n.capability)}×${n.count}`).join(sep());
    const people = group.flatMap((x) => x.responders || []);
    return el('div', { class: 'card aid', 'data-aid': a.id },
      el('div', { class: 'small' }, el('b', {}, inbound ? `${place(a.from, 'neighbour')} → ${t('us')}` : `${t('us')} → ${place(a.to, 'neighbour')}`),
        ` · ${needs} · `, el('span', { class: 'tag' }, tr('aid_', a.state)),
        a.committed ? ` · ${t('committed')} ${a.committed}` : ''),
      people.length ? el('div', { class: 'small muted' }, people.map((r) => r.name || person(r.id)).join(sep())) : null,
      actions && inbound && a.state === 'requested' ? el('div', { class: 'acts' },
        el('button', { type: 'button', onclick: () => actions.approveAid(a) }, t('approve')),
        el('button', { type: 'button', onclick: () => actions.declineAid(a) }, t('decline'))) : null,
      actions && !inbound && ['committed', 'deployed'].includes(a.state) ? el('div', { class: 'acts' },
        el('button', { type: 'button', onclick: () => actions.releaseAid(a) }, t('release'))) : null);
  }));
}

const READINGS = new Set(['flood.rain.observed', 'flood.level.observed']);

/** timelineWords says an entry of the log in words: what happened, to whom, by name. */
export function timelineWords(e) {
  let what = t('ev_' + e.type);
  if (what === 'ev_' + e.type) what = zh() ? '消息' : e.type;
  const parts = String(e.subject || '').split('.');
  const tail = parts[parts.length - 1], kind = parts[parts.length - 2];
  let who = '';
  if (kind === 'responder' || kind === 'assignment') who = person(tail);
  else if (kind === 'shelter') who = place(tail, 'shelter');
  else if (feature(tail)) who = place(tail); // a warning's village or gauge, a road
  const out = e.outcome === 'refused' || e.outcome === 'rejected' ? t('ev_rejected') : e.outcome === 'duplicate' ? t('ev_duplicate') : '';
  return `${what}${who ? (zh() ? '：' : ': ') + who : ''}${out}`;
}

/** timeline lists decisions and operator actions, newest first; readings are counted, not listed. */
export function timeline(root, entries) {
  const shown = entries.filter((e) => !READINGS.has(e.type)).slice(-120).reverse();
  const readings = entries.filter((e) => READINGS.has(e.type)).length;
  root.replaceChildren(
    ...(readings ? [el('div', { class: 'small muted' }, zh() ? `另有雨量、水位读数 ${readings} 条` : `and ${readings} rain and level readings`)] : []),
    ...(shown.length ? shown.map((e) => el('div', { class: `small tl ${e.outcome}`, 'data-type': e.type, 'data-subject': e.subject }, el('span', { class: 'muted' }, `${e.at || ''} `), timelineWords(e))) : [none()]));
}

/** rejections lists refused inputs with their reasons. */
export function rejections(root, st) {
  const rs = (st.rejections || []).slice(-30).reverse();
  root.replaceChildren(...(rs.length ? rs.map((r) =>
    el('div', { class: 'small rej' }, el('span', { class: 'muted' }, `#${r.seq || ''} `), zh() ? `${t('ev_flood.event.rejected')}${colon()}${r.reason}` : r.reason)) : [none()]));
}
