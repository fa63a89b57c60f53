// map.js: the town drawn on a canvas from its own GeoJSON (no tiles, works offline).
// WGS-84 → equirectangular projection fitted to the town; pan and zoom with
// mouse, wheel and touch.
import { getJSON } from './api.js';

const PRIORITY = ['#d7191c', '#d7191c', '#f07f1d', '#e8c31a', '#2b83ba'];
const STATUS = {
  available: '#1a9641', accepted: '#f0a30a', en_route: '#e8631a', on_scene: '#c51b7d',
  done: '#66a61e', declined: '#888', off_duty: '#aaa',
};
const WARN = { blue: 'rgba(43,131,186,.35)', yellow: 'rgba(240,210,40,.40)', orange: 'rgba(245,130,30,.42)', red: 'rgba(215,25,28,.42)' };

export class TownMap {
  constructor(canvas, { layers = null, onClick = null } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.layers = {};
    this.only = layers;
    this.onClick = onClick;
    this.state = null;
    this.route = null;
    this.marker = null;
    this.view = { x: 0, y: 0, k: 1 };
    this.bindInput();
    new ResizeObserver(() => this.resize()).observe(canvas);
  }

  /** load fetches the scenario layers and fits the map to the town. */
  async load() {
    const sc = await getJSON('/api/scenario');
    this.scenario = sc;
    const names = this.only || sc.layers;
    await Promise.all(names.map(async (n) => { this.layers[n] = await getJSON(`/api/scenario/${n}`); }));
    this.lat0 = sc.center[1];
    this.cos0 = Math.cos((this.lat0 * Math.PI) / 180);
    this.resize();
    this.fit();
    setGridFeatures(this.layers.grid?.features);
    this.canvas.dataset.grids = String((this.layers.grid?.features || []).length);
    this.canvas.dataset.ready = 'true';
  }

  project([lon, lat]) { return [(lon - this.scenario.center[0]) * this.cos0, -(lat - this.lat0)]; }

  unproject(px, py) {
    const x = (px - this.view.x) / this.view.k, y = (py - this.view.y) / this.view.k;
    return [this.scenario.center[0] + x / this.cos0, this.lat0 - y];
  }

  toScreen(ll) { const [x, y] = this.project(ll); return [x * this.view.k + this.view.x, y * this.view.k + this.view.y]; }

  fit(bounds) {
    let feats = bounds || this.layers.town?.features || this.layers.village?.features || [];
    let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    eachCoord(feats, (c) => {
      const [x, y] = this.project(c);
      minx = Math.min(minx, x); maxx = Math.max(maxx, x); miny = Math.min(miny, y); maxy = Math.max(maxy, y);
    });
    if (!isFinite(minx)) return;
    const w = this.canvas.clientWidth || 600, h = this.canvas.clientHeight || 400;
    const k = 0.92 * Math.min(w / (maxx - minx || 1e-3), h / (maxy - miny || 1e-3));
    this.view = { k, x: w / 2 - k * (minx + maxx) / 2, y: h / 2 - k * (miny + maxy) / 2 };
    this.draw();
  }

  /** focus fits the map to points (lon, lat pairs), no closer than ~3 km across. */
  focus(points) {
    this.fit([{ geometry: { type: 'MultiPoint', coordinates: points } }]);
    const w = this.canvas.clientWidth || 400, h = this.canvas.clientHeight || 300;
    const max = w / 0.03;
    if (this.view.k > max) {
      const cx = (w / 2 - this.view.x) / this.view.k, cy = (h / 2 - this.view.y) / this.view.k;
      this.view = { k: max, x: w / 2 - max * cx, y: h / 2 - max * cy };
      this.draw();
    }
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    if (!w || !h) return;
    this.canvas.width = w * dpr; this.canvas.height = h * dpr;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.draw();
  }

  setState(s) { this.state = s; this.schedule(); }
  setRoute(r) { this.route = r; this.schedule(); }
  setMarker(ll) { this.marker = ll; this.schedule(); }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    if (!this.scenario) return;
    const c = this.ctx, w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    c.clearRect(0, 0, w, h);
    c.fillStyle = '#eef3f6'; c.fillRect(0, 0, w, h);
    const st = this.state || {};
    const warn = gridLevels(st), evac = gridEvac(st);
    const closed = new Map((st.roads || []).map((r) => [r.id, r]));
    this.poly('neighbour', () => ({ fill: '#e3e6e8', stroke: '#b8bec4', width: 1 }));
    this.poly('town', () => ({ fill: '#fbfaf5', stroke: '#555', width: 2 }));
    // Fill: warning level; outline: evacuation (purple while anyone is unaccounted, green once all are).
    this.poly('grid', (p) => ({ fill: WARN[warn.get(p.id)] || (evac.get(p.id) ? 'rgba(150,80,200,.18)' : 'rgba(0,0,0,0)'),
      stroke: { ordered: '#7b3fb0', clear: '#1a9641' }[evac.get(p.id)] || '#9aa5ad', width: evac.get(p.id) ? 2.5 : 0.7 }));
    this.poly('village', () => ({ stroke: '#6b7780', width: 1.4 }));
    this.poly('hazard', () => ({ fill: 'rgba(200,80,40,.12)', stroke: 'rgba(200,80,40,.5)', width: 1, dash: [3, 3] }));
    this.lines('river', () => ({ stroke: '#4a90d9', width: 2.2 }));
    const z = this.view.k;
    this.lines('road', (p) => {
      const r = closed.get(p.id);
      if (r?.closed) return { stroke: '#e01b24', width: 3, dash: [6, 4] };
      if (r?.depth_m) return { stroke: '#1f6fd1', width: 2.5 };
      const major = p.class === 'trunk' || p.class === 'primary' || p.class === 'secondary';
      if (!major && z < 3000) return { stroke: '#cfcac0', width: 0.5 };
      return { stroke: major ? '#c9a227' : '#b9b3a6', width: major ? 2 : 0.9 };
    });
    if (this.route) this.pathLine(this.route.path.coordinates, '#00a4d6', 5);
    this.villageLabels();
    this.shelters(st);
    this.gauges(st);
    for (const r of st.responders || []) {
      if (!r.lat) continue;
      const [x, y] = this.toScreen([r.lon, r.lat]);
      c.fillStyle = STATUS[r.status] || '#555';
      c.strokeStyle = '#fff'; c.lineWidth = 1;
      c.beginPath(); c.rect(x - 3, y - 3, 6, 6); c.fill(); c.stroke();
    }
    for (const i of st.incidents || []) {
      if (i.status === 'resolved') continue;
      const [x, y] = this.toScreen([i.lon, i.lat]);
      c.fillStyle = PRIORITY[i.priority] || '#d7191c';
      c.strokeStyle = '#fff'; c.lineWidth = 2;
      c.beginPath(); c.moveTo(x, y - 9); c.lineTo(x + 8, y + 6); c.lineTo(x - 8, y + 6); c.closePath(); c.fill(); c.stroke();
      c.fillStyle = '#fff'; c.font = 'bold 9px sans-serif'; c.textAlign = 'center'; c.fillText(String(i.priority || '!'), x, y + 4);
    }
    if (this.marker) {
      const [x, y] = this.toScreen(this.marker);
      c.strokeStyle = '#000'; c.lineWidth = 2;
      c.beginPath(); c.arc(x, y, 9, 0, 2 * Math.PI); c.stroke();
    }
  }

  poly(layer, style) {
    const c = this.ctx;
    for (const f of this.layers[layer]?.features || []) {
      const s = style(f.properties || {});
      const g = f.geometry;
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
      c.beginPath();
      for (const p of polys) for (const ring of p) this.ring(ring, true);
      if (s.fill) { c.fillStyle = s.fill; c.fill('evenodd'); }
      if (s.stroke && s.width) { c.setLineDash(s.dash || []); c.strokeStyle = s.stroke; c.lineWidth = s.width; c.stroke(); c.setLineDash([]); }
    }
  }

  lines(layer, style) {
    const c = this.ctx;
    for (const f of this.layers[layer]?.features || []) {
      const s = style(f.properties || {});
      const g = f.geometry;
      const ls = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : [];
      c.beginPath();
      for (const l of ls) this.ring(l, false);
      c.setLineDash(s.dash || []); c.strokeStyle = s.stroke; c.lineWidth = s.width; c.stroke(); c.setLineDash([]);
    }
  }

  pathLine(coords, color, width) {
    const c = this.ctx;
    c.beginPath(); this.ring(coords, false);
    c.strokeStyle = color; c.lineWidth = width; c.globalAlpha = 0.8; c.stroke(); c.globalAlpha = 1;
  }

  ring(coords, close) {
    const c = this.ctx;
    coords.forEach((p, i) => { const [x, y] = this.toScreen(p); if (i) c.lineTo(x, y); else c.moveTo(x, y); });
    if (close) c.closePath();
  }

  villageLabels() {
    const c = this.ctx;
    c.font = '12px sans-serif'; c.textAlign = 'center'; c.fillStyle = '#333';
    const zh = document.documentElement.lang.startsWith('zh');
    for (const f of this.layers.village?.features || []) {
      const cen = centroid(f.geometry);
      if (!cen) continue;
      const [x, y] = this.toScreen(cen);
      c.fillText(zh ? f.properties.name : f.properties.name_en || f.properties.name, x, y);
    }
  }

  shelters(st) {
    const c = this.ctx;
    const occ = new Map((st.shelters || []).map((s) => [s.id, s]));
    for (const f of this.layers.shelter?.features || []) {
      const p = f.properties, [x, y] = this.toScreen(f.geometry.coordinates);
      const s = occ.get(p.id) || {};
      const cap = s.capacity || p.capacity_night || p.capacity_day || 1;
      const n = s.occupancy ?? s.people ?? s.occupied ?? 0;
      c.fillStyle = '#0b7a3e'; c.fillRect(x - 5, y - 5, 10, 10);
      c.fillStyle = '#fff'; c.font = 'bold 9px sans-serif'; c.textAlign = 'center'; c.fillText('H', x, y + 3);
      c.fillStyle = '#ddd'; c.fillRect(x - 10, y + 7, 20, 3);
      c.fillStyle = n / cap > 0.9 ? '#d7191c' : '#0b7a3e'; c.fillRect(x - 10, y + 7, 20 * Math.min(1, n / cap), 3);
    }
  }

  gauges(st) {
    const c = this.ctx;
    const now = new Map((st.gauges || []).map((g) => [g.id, g]));
    for (const f of this.layers.gauge?.features || []) {
      const p = f.properties, [x, y] = this.toScreen(f.geometry.coordinates);
      const g = now.get(p.id);
      c.fillStyle = p.gauge_kind === 'rain' ? '#3069b3' : '#0a8f9c';
      c.beginPath(); c.arc(x, y, 4, 0, 2 * Math.PI); c.fill();
      if (g) {
        // Rain gauges show their 24 h accumulation; level gauges their level.
        const acc = g.accumulations || {};
        const v = g.kind === 'rain' ? `${(acc[24] ?? 0).toFixed(1)} mm` : `${(g.meters ?? 0).toFixed(2)} m`;
        const alarm = (p.warning_m && g.meters >= p.warning_m) || ['orange', 'red'].includes(g.level);
        c.font = 'bold 11px sans-serif'; c.textAlign = 'left';
        c.fillStyle = alarm ? '#d7191c' : '#123'; c.fillText(v, x + 6, y + 4);
      }
    }
  }

  /** roadAt finds the road nearest to a screen point, within tol pixels. */
  roadAt(px, py, tol = 7) {
    let best = null, bd = tol;
    for (const f of this.layers.road?.features || []) {
      const g = f.geometry;
      const ls = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : [];
      for (const l of ls) {
        for (let i = 1; i < l.length; i++) {
          const d = segDist(px, py, this.toScreen(l[i - 1]), this.toScreen(l[i]));
          if (d < bd) { bd = d; best = f.properties; }
        }
      }
    }
    return best;
  }

  bindInput() {
    const cv = this.canvas;
    let drag = null, moved = false, pinch = null;
    cv.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015));
    }, { passive: false });
    cv.addEventListener('pointerdown', (e) => { drag = { x: e.clientX, y: e.clientY }; moved = false; });
    cv.addEventListener('pointermove', (e) => {
      if (!drag || pinch) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
      if (moved) { this.view.x += dx; this.view.y += dy; drag = { x: e.clientX, y: e.clientY }; this.schedule(); }
    });
    cv.addEventListener('pointerup', (e) => {
      if (drag && !moved && this.onClick) {
        const r = cv.getBoundingClientRect();
        const px = e.clientX - r.left, py = e.clientY - r.top;
        const [lon, lat] = this.unproject(px, py);
        this.onClick({ lat, lon, road: this.roadAt(px, py), x: px, y: py });
      }
      drag = null;
    });
    cv.addEventListener('touchstart', (e) => {
      if (e.touches.length === 2) pinch = touchDist(e.touches);
    }, { passive: true });
    cv.addEventListener('touchmove', (e) => {
      if (e.touches.length !== 2 || !pinch) return;
      e.preventDefault();
      const d = touchDist(e.touches), r = cv.getBoundingClientRect();
      const cx = (e.touches[0].clientX + e.touches[1].clientX) / 2 - r.left;
      const cy = (e.touches[0].clientY + e.touches[1].clientY) / 2 - r.top;
      this.zoomAt(cx, cy, d / pinch);
      pinch = d;
    }, { passive: false });
    cv.addEventListener('touchend', () => { pinch = null; });
  }

  zoomAt(x, y, f) {
    this.view.x = x - (x - this.view.x) * f;
    this.view.y = y - (y - this.view.y) * f;
    this.view.k *= f;
    this.schedule();
  }
}

function touchDist(t) { return Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY); }

function segDist(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax, dy = by - ay, l = dx * dx + dy * dy;
  let u = l ? ((px - ax) * dx + (py - ay) * dy) / l : 0;
  u = Math.max(0, Math.min(1, u));
  return Math.hypot(px - ax - u * dx, py - ay - u * dy);
}

function eachCoord(feats, f) {
  const walk = (c) => { if (typeof c[0] === 'number') f(c); else c.forEach(walk); };
  for (const ft of feats) if (ft.geometry) walk(ft.geometry.coordinates);
}

function centroid(g) {
  let sx = 0, sy = 0, n = 0;
  eachCoord([{ geometry: g }], ([x, y]) => { sx += x; sy += y; n++; });
  return n ? [sx / n, sy / n] : null;
}

const RANK = { '': 0, blue: 1, yellow: 2, orange: 3, red: 4 };

// gridLevels gives each grid the highest warning over it: its village's level
// (from the village's gauges) or a warning on the grid itself (a CAP alert).
export function gridLevels(st) {
  const out = new Map();
  const raise = (grid, level) => { if ((RANK[level] || 0) > (RANK[out.get(grid)] || 0)) out.set(grid, level); };
  const villageLevel = new Map((st.warning_villages || []).map((v) => [v.id, v.level || '']));
  for (const w of st.warnings || []) if (w.scope === 'village') villageLevel.set(w.target, w.level);
  for (const f of gridFeatures) {
    const p = f.properties;
    raise(p.id, villageLevel.get(p.village) || '');
  }
  for (const w of st.warnings || []) if (w.scope === 'grid') raise(w.target, w.level);
  return out;
}

// gridEvac marks grids under an evacuation order: "ordered", or "clear" once nobody is unaccounted.
export function gridEvac(st) {
  const out = new Map();
  for (const g of st.evac_grids || []) {
    if (!g.ordered?.households) continue;
    out.set(g.id, g.unaccounted?.households ? 'ordered' : 'clear');
  }
  return out;
}

let gridFeatures = [];
/** setGridFeatures tells gridLevels which grid is in which village. */
export function setGridFeatures(feats) { gridFeatures = feats || []; }
