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

/** shelters lists shelters with occupancy bars; an operator opens or closes one. */
export function shelters(root, st, layer, actions) {
  const occ = new Map((st.shelters || []).map((s) => [s.id, s]));
  const feats = layer?.features || [];
  root.replaceChildren(...feats.map((f) => {
    const p = f.properties, s = occ.get(p.id) || {};
    const cap = s.capacity || p.capacity_night || p.capacity_day || 0;
    const n = s.occupancy ?? s.people ?? s.occupied ?? 0;
    const pct = cap ? Math.min(100, Math.round((100 * n) / cap)) : 0;
    const open = s.open !== false;
    return el('div', { class: 'shelter', 'data-shelter': p.id },
      el('div', { class: 'small' }, `${name(p)} ${n}/${cap}`, s.on_the_way ? ` (+${s.on_the_way} ${t('on_the_way')})` : '',
        open ? '' : ` · ${t('closed')}`,
        actions ? el('button', { class: 'link', onclick: () => actions.shelter(p, open) }, t(open ? 'close_shelter' : 'open_shelter')) : null),
      el('div', { class: 'bar' }, el('div', { class: pct > 90 ? 'fill hot' : 'fill', style: `width:${pct}%` })));
  }));
}

/** evacuation shows the orders (an operator may cancel one) and, per ordered grid, people:
 * ordered, at shelters, moving, staying, unaccounted; the first unaccounted households can be
 * marked notified or staying (confirmed by the operator). */
export function evacuation(root, st, actions) {
  const grids = (st.evac_grids || []).filter((g) => g.ordered?.households);
  root.closest('section').hidden = grids.length === 0 && !(st.evac_orders || []).length;
  const row = (g) => el('tr', {},
    el('td', {}, g.id), el('td', {}, `${g.ordered.people}`), el('td', {}, `${g.at_shelter.people}`),
    el('td', {}, `${g.moving.people}`), el('td', {}, `${g.staying.people}`),
    el('td', { class: g.unaccounted.people ? 'hot' : 'ok' }, `${g.unaccounted.people}`));
  const perHour = new Map();
  for (const p of st.evac_progress || []) perHour.set(p.grid, Math.max(perHour.get(p.grid) || 0, p.people));
  const orders = (st.evac_orders || []).filter((o) => o.status === 'active').map((o) => el('div', { class: 'small', 'data-order': o.id },
    el('b', {}, `${t(o.kind)} `), `${(o.grids || o.villages || []).join(', ') || t('polygon')} · ${o.households} / ${o.people} ${t('people')} `,
    actions ? el('button', { class: 'link', onclick: () => actions.cancelEvacuation(o) }, t('cancel')) : null));
  root.replaceChildren(
    ...orders,
    el('table', { class: 'grid' },
      el('tr', {}, ...['grid', 'ordered', 'at_shelter', 'moving', 'staying', 'unaccounted'].map((k) => el('th', {}, t(k)))),
      ...grids.map(row)),
    ...[...perHour].map(([g, n]) => el('div', { class: 'small muted' }, `${g || t('headcount')}: ${t('best_hour')} ${n} ${t('people')}`)),
    ...(st.unaccounted || []).slice(0, 12).map((h) => el('div', { class: 'small', 'data-household': h.id },
      `${h.id} · ${h.address || ''} · ${h.members}${h.vulnerable ? ' ♿' + h.vulnerable : ''} · ${tr('st_', h.state)}${h.shelter ? ' → ' + h.shelter : ''} `,
      actions ? el('button', { class: 'link', onclick: () => actions.household(h, 'notified') }, t('st_notified')) : null,
      actions ? el('button', { class: 'link', onclick: () => actions.household(h, 'staying') }, t('st_staying')) : null)));
}

/** warnings lists active warnings and the actions they propose; an operator approves or dismisses. */
export function warnings(root, st, actions) {
  const ws = st.warnings || [];
  const pending = (st.proposals || []).filter((p) => p.status === 'pending');
  root.replaceChildren(
    ...(ws.length ? ws.map((w) => el('div', { class: `small warn ${w.level}` },
      el('b', {}, `${tr('w_', w.level)} `), `${w.scope} ${w.target} · ${w.kind}`,
      (w.evidence || []).length ? el('span', { class: 'muted' }, ` · ${w.evidence.map((e) => e.gauge ? `${e.gauge} ${e.mm ?? e.meters} ${e.rule}` : e.rule).join('; ')}`) : null))
      : [el('div', { class: 'muted' }, t('none'))]),
    ...pending.map((p) => el('div', { class: 'card proposal', 'data-proposal': p.id },
      el('div', { class: 'small' }, el('b', {}, `${t('proposal')}: ${tr('a_', p.action)} `), `${p.village || p.gauge || ''} ${(p.grids || []).join(', ')}`),
      el('div', { class: 'small muted' }, p.reason),
      actions ? el('div', { class: 'acts' },
        el('button', { onclick: () => actions.approve(p) }, t('approve')),
        el('button', { onclick: () => actions.dismiss(p) }, t('dismiss'))) : null)));
}

/** rainfall draws each rain gauge's last 24 hours (mm per hour) with its 1, 3 and 24 h totals;
 * level gauges show their level. */
export function rainfall(root, st) {
  const hours = new Map((st.rainfall || []).map((r) => [r.gauge, r.hours.map((h) => h.mm)]));
  const gs = st.gauges || [];
  root.closest('section').hidden = gs.length === 0;
  root.replaceChildren(...gs.map((g) => {
    const acc = g.accumulations || {};
    return el('div', { class: `gauge ${g.level || ''}` },
      el('span', { class: 'small' }, `${g.id} `),
      g.kind === 'rain' ? spark(hours.get(g.id) || [], 50 / 3) : null,
      el('b', { class: 'small' }, g.kind === 'rain'
        ? ` 1h ${(acc[1] ?? 0).toFixed(1)} · 3h ${(acc[3] ?? 0).toFixed(1)} · 24h ${(acc[24] ?? 0).toFixed(1)} mm`
        : ` ${(g.meters ?? 0).toFixed(2)} m`),
      g.level ? el('span', { class: `tag ${g.level}` }, tr('w_', g.level)) : null);
  }));
}

// spark draws a sparkline; threshold (mm/h) is a dashed line: the orange
// signal's 50 mm in 3 h is about 16.7 mm an hour.
function spark(vals, threshold = 0) {
  const w = 90, h = 18, max = Math.max(1e-9, threshold * 1.2, ...vals);
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

/** aid lists mutual-aid requests in and out; an operator approves (how many), declines or releases. */
export function aid(root, st, actions) {
  const items = st.aid || [];
  root.closest('section').hidden = items.length === 0;
  root.replaceChildren(...items.map((a) => {
    const needs = (a.needs || []).map((n) => `${n.capability}×${n.count}`).join(', ');
    const inbound = a.direction === 'in';
    return el('div', { class: 'card aid', 'data-aid': a.id },
      el('div', { class: 'small' }, el('b', {}, inbound ? `${a.from} → ${t('us')}` : `${t('us')} → ${a.to}`),
        ` · ${needs} · `, el('span', { class: 'tag' }, tr('aid_', a.state)),
        a.committed ? ` · ${t('committed')} ${a.committed}` : ''),
      (a.responders || []).length ? el('div', { class: 'small muted' }, a.responders.map((r) => r.name || r.id).join('、')) : null,
      actions && inbound && a.state === 'requested' ? el('div', { class: 'acts' },
        el('button', { onclick: () => actions.approveAid(a) }, t('approve')),
        el('button', { onclick: () => actions.declineAid(a) }, t('decline'))) : null,
      actions && !inbound && ['committed', 'deployed'].includes(a.state) ? el('div', { class: 'acts' },
        el('button', { onclick: () => actions.releaseAid(a) }, t('release'))) : null);
  }));
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
