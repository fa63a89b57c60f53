// panels.js: the board's side panels, rendered from the state the feed keeps.
import { el } from './api.js';
import { t, tr, name } from './i18n.js';

const PRI = ['', 'p1', 'p2', 'p3', 'p4'];

/** incidents renders the queue: open first, by priority then age. */
export function incidents(root, st, actions) {
  const asg = new Map((st.assignments || []).map((a) => [a.id, a]));
  const resp = new Map((st.responders || []).map((r) => [r.id, r]));
  const list = (st.incidents || []).filter((i) => i.status !== 'resolved')
    .sort((a, b) => (a.priority || 9) - (b.priority || 9) || String(a.reported_at).localeCompare(String(b.reported_at)));
  root.replaceChildren(...(list.length ? list.map((i) => {
    const met = (i.needs || []).reduce((s, n) => s + (n.met || 0), 0);
    const open = (i.needs || []).reduce((s, n) => s + (n.open || 0), 0);
    return el('div', { class: `card inc ${PRI[i.priority] || ''}`, 'data-incident': i.id },
      el('div', { class: 'row' },
        el('b', {}, `P${i.priority || '?'} ${tr('k_', i.kind)}`),
        el('span', { class: 'muted' }, ` ${i.village || ''} · ${t('people')} ${i.people || 0}`),
        el('span', { class: 'tag' }, tr('st_', i.status))),
      el('div', { class: 'small' }, `${t('needs')}: ${(i.needs || []).map((n) => `${n.capability} ${n.met}/${n.count}`).join(', ') || '—'}`,
        ` · ${t('met')} ${met} · ${t('open')} ${open}`),
      i.note ? el('div', { class: 'small muted' }, i.note) : null,
      ...(i.assignments || []).map((id) => {
        const a = asg.get(id);
        if (!a) return null;
        return el('div', { class: 'asg', 'data-assignment': a.id },
          el('span', {}, `${a.id} → ${name(resp.get(a.responder)) || a.responder} `),
          el('span', { class: 'tag' }, tr('st_', a.status)),
          a.eta_s ? el('span', { class: 'muted' }, ` ${Math.round(a.eta_s / 60)} ${t('minutes')}`) : null,
          a.reason ? el('div', { class: 'small muted' }, `${t('reason')}: ${a.reason}`) : null,
          actions ? el('button', { class: 'link', onclick: () => actions.reassign(a) }, t('reassign')) : null);
      }),
      i.rule ? el('div', { class: 'small muted' }, `${t('reason')}: ${i.rule}`) : null,
      actions ? el('div', { class: 'acts' },
        el('button', { onclick: () => actions.resolve(i) }, t('resolve'))) : null);
  }) : [el('div', { class: 'muted' }, t('none'))]));
}

/** responders counts responders by tier and status, and lists the busy ones. */
export function responders(root, st) {
  const rs = st.responders || [];
  if (!rs.length) { root.replaceChildren(el('div', { class: 'muted' }, t('none'))); return; }
  const statuses = ['available', 'accepted', 'en_route', 'on_scene', 'done', 'declined', 'off_duty'];
  const tiers = [...new Set(rs.map((r) => r.tier))];
  const count = (tier, s) => rs.filter((r) => r.tier === tier && r.status === s).length;
  const table = el('table', { class: 'grid' },
    el('tr', {}, el('th', {}, ''), ...statuses.map((s) => el('th', {}, tr('st_', s)))),
    ...tiers.map((tier) => el('tr', {}, el('th', {}, t(tier)), ...statuses.map((s) => el('td', {}, count(tier, s) || '')))));
  const busy = rs.filter((r) => r.assignment).map((r) =>
    el('div', { class: 'small' }, `${name(r)} · ${tr('st_', r.status)} · ${r.assignment}`));
  root.replaceChildren(table, ...busy);
}

/** shelters lists shelters with occupancy bars (occupancy from the state when it has it). */
export function shelters(root, st, layer) {
  const occ = new Map((st.shelters || []).map((s) => [s.id, s]));
  const feats = layer?.features || [];
  root.replaceChildren(...feats.map((f) => {
    const p = f.properties, s = occ.get(p.id) || {};
    const cap = s.capacity || p.capacity_night || p.capacity_day || 0;
    const n = s.occupancy ?? s.people ?? s.occupied ?? 0;
    const pct = cap ? Math.min(100, Math.round((100 * n) / cap)) : 0;
    return el('div', { class: 'shelter' },
      el('div', { class: 'small' }, `${name(p)} ${n}/${cap}`),
      el('div', { class: 'bar' }, el('div', { class: pct > 90 ? 'fill hot' : 'fill', style: `width:${pct}%` })));
  }));
}

/** evacuation shows headcounts from any evacuation collection in the state; hidden when none. */
export function evacuation(root, st) {
  const rows = [];
  for (const [k, v] of Object.entries(st)) {
    if (!k.includes('evac') || !Array.isArray(v)) continue;
    for (const e of v) {
      rows.push(el('div', { class: 'small' }, `${e.grid || e.id} · ${tr('st_', e.status || '')} · `,
        `${e.moved ?? e.evacuated ?? e.checked_in ?? 0}/${e.population ?? e.people ?? e.total ?? '?'}`));
    }
  }
  root.closest('section').hidden = rows.length === 0;
  root.replaceChildren(...rows);
}

/** rainfall draws each gauge's readings seen so far as a sparkline. */
export function rainfall(root, st, history) {
  const gs = st.gauges || [];
  for (const g of gs) {
    const v = g.kind === 'rain' ? g.last_mm : g.meters;
    const h = history.get(g.id) || [];
    if (!h.length || h[h.length - 1].at !== g.at) h.push({ at: g.at, v: v || 0 });
    if (h.length > 60) h.shift();
    history.set(g.id, h);
  }
  root.closest('section').hidden = gs.length === 0;
  root.replaceChildren(...gs.map((g) => {
    const h = history.get(g.id) || [];
    return el('div', { class: 'gauge' },
      el('span', { class: 'small' }, `${g.id} `),
      spark(h.map((x) => x.v)),
      el('b', { class: 'small' }, g.kind === 'rain' ? ` ${g.last_mm ?? 0} mm/${g.last_minutes ?? '?'}′` : ` ${g.meters ?? 0} m`));
  }));
}

function spark(vals) {
  const w = 90, h = 18, max = Math.max(1e-9, ...vals);
  const pts = vals.map((v, i) => `${(i / Math.max(1, vals.length - 1)) * w},${h - (v / max) * h}`).join(' ');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', w); svg.setAttribute('height', h); svg.setAttribute('class', 'spark');
  const pl = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  pl.setAttribute('points', pts); pl.setAttribute('fill', 'none'); pl.setAttribute('stroke', '#3069b3');
  svg.append(pl);
  return svg;
}

/** aid shows mutual-aid requests when the state has them; hidden otherwise. */
export function aid(root, st) {
  const rows = [];
  for (const [k, v] of Object.entries(st)) {
    if (!k.includes('aid') || !Array.isArray(v)) continue;
    for (const a of v) rows.push(el('div', { class: 'small' }, `${a.id} · ${a.from || a.town || ''}→${a.to || ''} · ${tr('st_', a.status || '')}`));
  }
  const asked = st.counters?.aid_requests;
  if (!rows.length && asked) rows.push(el('div', { class: 'small' }, `${t('aid')}: ${asked}`));
  root.closest('section').hidden = rows.length === 0;
  root.replaceChildren(...rows);
}

/** timeline lists the newest entries first. */
export function timeline(root, entries) {
  root.replaceChildren(...entries.slice(-80).reverse().map((e) =>
    el('div', { class: `small tl ${e.outcome}` }, el('span', { class: 'muted' }, `#${e.seq} `), e.summary)));
}

/** rejections lists refused inputs with their reasons. */
export function rejections(root, st) {
  const rs = (st.rejections || []).slice(-30).reverse();
  root.replaceChildren(...(rs.length ? rs.map((r) =>
    el('div', { class: 'small rej' }, el('span', { class: 'muted' }, `#${r.seq || ''} ${r.subject} `), r.reason)) : [el('div', { class: 'muted' }, t('none'))]));
}
