// map.js: the town on Leaflet (vendored, ui/web/vendor/leaflet), drawn from the scenario's own
// GeoJSON: no tiles and no font server, so it works offline and every label is our own DOM
// text in Chinese or English. A plain click only selects (a popup with details); reporting an
// incident, closing a road, drawing an evacuation area and picking grids are explicit modes.
import { getJSON } from './api.js';
import { t, tr, name, zh, note, colon, paren } from './i18n.js';
import { learnLayers, place, person } from './names.js';
import { explain } from './reasons.js';

const L = window.L;
const PRIORITY = ['#7a0177', '#d7191c', '#f07f1d', '#e8c31a', '#2b83ba'];
const STATUS = {
  available: '#1a9641', accepted: '#f0a30a', en_route: '#e8631a', on_scene: '#c51b7d',
  done: '#66a61e', declined: '#888', off_duty: '#aaa', no_answer: '#555', lent: '#6a3d9a',
};
const WARN = { blue: '#2b6cb0', yellow: '#f0d228', orange: '#f5821e', red: '#d7191c' };
const RANK = { '': 0, blue: 1, yellow: 2, orange: 3, red: 4 };
const BUSY = ['accepted', 'en_route', 'on_scene'];

/** TownMap is the board's and the phone's map. */
export class TownMap {
  /**
   * @param {HTMLElement} el the map's box
   * @param {object} opts layers: which scenario layers (all by default); phone: a small screen;
   *   onPick(mode, what): a mode's click (incident point, road, polygon, grids).
   */
  constructor(el, { layers = null, phone = false, onPick = null } = {}) {
    this.el = el;
    this.only = layers;
    this.phone = phone;
    this.onPick = onPick || (() => {});
    this.layers = {};
    this.state = {};
    this.mode = 'select';
    this.picked = new Set();
    this.map = L.map(el, { zoomControl: false, attributionControl: false, preferCanvas: true, doubleClickZoom: false, zoomSnap: 0.25, minZoom: 9, maxZoom: 18 });
    // One canvas for every vector layer: a click reaches the topmost feature under it (a road over
    // the grid under it), which stacked canvases would not allow.
    this.vec = L.canvas({ tolerance: phone ? 2 : 5 });
    this.map.createPane('labels').style.zIndex = 640;
    this.map.getPane('labels').style.pointerEvents = 'none';
    L.control.zoom({ position: 'topleft', zoomInTitle: t('zoom_in'), zoomOutTitle: t('zoom_out') }).addTo(this.map);
    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(this.map);
    this.map.on('click', (e) => this.clicked(e));
    this.map.on('dblclick', () => { if (this.mode === 'polygon') this.finishPolygon(); });
    this.map.on('zoomend', () => this.el.classList.toggle('zoomed', this.map.getZoom() >= 14.5));
  }

  /** load fetches the scenario and its layers, draws them and fits the town. */
  async load() {
    const sc = await getJSON('/api/scenario');
    this.scenario = sc;
    const names = this.only || sc.layers;
    await Promise.all(names.map(async (n) => { this.layers[n] = await getJSON(`/api/scenario/${n}${this.layerQuery ? this.layerQuery(n) : ''}`); }));
    learnLayers(this.layers);
    setGridFeatures(this.layers.grid?.features);
    this.drawStatic();
    this.reset();
    this.labelNames(); // the labels exist in the DOM once the map has a view
    this.el.dataset.grids = String((this.layers.grid?.features || []).length);
    this.el.dataset.ready = 'true';
  }

  /** reset fits the view to the town. */
  reset() {
    const b = this.g.town?.getBounds?.() || this.g.village?.getBounds?.();
    if (b && b.isValid()) this.map.fitBounds(b, { padding: [8, 8] });
    else if (this.scenario) this.map.setView([this.scenario.center[1], this.scenario.center[0]], 13);
  }

  /** focus fits the view to [lon, lat] points, no closer than street level. */
  focus(points) {
    const b = L.latLngBounds(points.map(([lon, lat]) => [lat, lon]));
    this.map.fitBounds(b, { padding: [30, 30], maxZoom: 15 });
  }

  drawStatic() {
    const g = (this.g = {});
    const area = (layer, style, opts = {}) => {
      if (!this.layers[layer]) return;
      g[layer] = L.geoJSON(this.layers[layer], { renderer: this.vec, style, onEachFeature: (f, l) => this.bind(layer, f, l), ...opts }).addTo(this.map);
    };
    area('neighbour', () => ({ color: '#b8bec4', weight: 1, fillColor: '#e3e6e8', fillOpacity: 1 }));
    area('town', () => ({ color: '#555', weight: 2, fillColor: '#fbfaf5', fillOpacity: 1 }));
    area('grid', () => ({ color: '#9aa5ad', weight: 0.7, fillOpacity: 0 }));
    area('village', () => ({ color: '#6b7780', weight: 1.4, fill: false }), { interactive: false });
    area('hazard', () => ({ color: '#c85028', weight: 1, dashArray: '3 3', fillColor: '#c85028', fillOpacity: 0.12 }),
      { pointToLayer: (f, ll) => L.circleMarker(ll, { renderer: this.vec, radius: 5, color: '#c85028', weight: 2, fillColor: '#fff', fillOpacity: 1, dashArray: null }) });
    if (this.layers.river) g.river = L.geoJSON(this.layers.river, { renderer: this.vec, style: () => ({ color: '#4a90d9', weight: 2.5 }), onEachFeature: (f, l) => this.bind('river', f, l) }).addTo(this.map);
    this.drawRoads();
    this.gridLayers = new Map();
    g.grid?.eachLayer((l) => this.gridLayers.set(l.feature.properties.id, l));
    // Village names: our own DOM labels, above everything, never covered by a gauge's value.
    g.labels = L.layerGroup().addTo(this.map);
    for (const f of this.layers.village?.features || []) {
      const c = centroid(f.geometry);
      if (c) L.marker([c[1], c[0]], { pane: 'labels', interactive: false, icon: L.divIcon({ className: 'vlabel', html: `<span data-label="${f.properties.id}"></span>`, iconSize: null }) }).addTo(g.labels);
    }
    for (const f of this.layers.neighbour?.features || []) {
      const c = centroid(f.geometry);
      if (c) L.marker([c[1], c[0]], { pane: 'labels', interactive: false, icon: L.divIcon({ className: 'vlabel nlabel', html: `<span data-label="${f.properties.id}"></span>`, iconSize: null }) }).addTo(g.labels);
    }
    g.shelter = L.layerGroup().addTo(this.map);
    this.shelterMarks = new Map();
    for (const f of this.layers.shelter?.features || []) {
      const [lon, lat] = f.geometry.coordinates;
      const m = L.marker([lat, lon], { icon: shelterIcon(0, 1, true), keyboard: false, zIndexOffset: 500 }).addTo(g.shelter);
      m.feature = f; this.bind('shelter', f, m);
      this.shelterMarks.set(f.properties.id, m);
    }
    g.gauge = L.layerGroup().addTo(this.map);
    this.gaugeMarks = new Map();
    for (const f of this.layers.gauge?.features || []) {
      const [lon, lat] = f.geometry.coordinates;
      const m = L.marker([lat, lon], { icon: gaugeIcon(f.properties, null), keyboard: false, zIndexOffset: -500 }).addTo(g.gauge);
      m.feature = f; this.bind('gauge', f, m);
      this.gaugeMarks.set(f.properties.id, m);
    }
    const cluster = (o) => (L.markerClusterGroup ? L.markerClusterGroup(o) : L.layerGroup());
    g.responder = cluster({ maxClusterRadius: 28, disableClusteringAtZoom: 15, showCoverageOnHover: false, chunkedLoading: true,
      iconCreateFunction: (c) => L.divIcon({ className: 'rcluster', html: `<span>${c.getChildCount()}</span>`, iconSize: [24, 24] }) }).addTo(this.map);
    g.incident = cluster({ maxClusterRadius: 36, disableClusteringAtZoom: 16, showCoverageOnHover: false,
      iconCreateFunction: (c) => {
        const top = Math.min(...c.getAllChildMarkers().map((m) => m.priority || 4));
        return L.divIcon({ className: `icluster p${top}`, html: `<span>${c.getChildCount()}</span>`, iconSize: [30, 30] });
      } }).addTo(this.map);
    g.crew = L.layerGroup().addTo(this.map);
    this.respMarks = new Map();
    this.incMarks = new Map();
    g.route = L.layerGroup().addTo(this.map);
    g.draw = L.layerGroup().addTo(this.map);
    if (!this.phone) this.addControls();
  }

  drawRoads() {
    if (this.g.road) this.map.removeLayer(this.g.road);
    if (!this.layers.road) return;
    this.g.road = L.geoJSON(this.layers.road, { renderer: this.vec, style: (f) => roadStyle(f.properties, null),
      onEachFeature: (f, l) => this.bind('road', f, l) }).addTo(this.map);
    this.roadLayers = new Map();
    this.g.road.eachLayer((l) => this.roadLayers.set(l.feature.properties.id, l));
    this.roadChanged = [];
    this.g.route?.eachLayer((l) => l.bringToFront());
  }

  /** setRoads replaces the road layer (the phone's surroundings). */
  setRoads(fc) {
    this.layers.road = fc;
    learnLayers({ road: fc });
    if (this.g) { this.drawRoads(); this.styleRoads(); }
  }

  /** labelNames fills the village labels in the current language. */
  labelNames() {
    this.el.querySelectorAll('[data-label]').forEach((s) => { s.textContent = place(s.dataset.label, 'village'); });
  }

  addControls() {
    const map = this.map;
    const Reset = L.Control.extend({ onAdd: () => {
      const b = L.DomUtil.create('button', 'map-btn');
      b.id = 'map-reset'; b.type = 'button'; b.title = t('reset_view'); b.textContent = '⟲';
      L.DomEvent.disableClickPropagation(b);
      b.onclick = () => this.reset();
      return b;
    } });
    new Reset({ position: 'topleft' }).addTo(map);
    const overlays = {};
    for (const k of ['grid', 'road', 'river', 'hazard', 'shelter', 'gauge', 'responder', 'crew', 'incident']) if (this.g[k]) overlays[t('f_' + k)] = this.g[k];
    this.layerCtl = L.control.layers(null, overlays, { position: 'topright', collapsed: true }).addTo(map);
    const Legend = L.Control.extend({ onAdd: () => {
      const d = L.DomUtil.create('div', 'legend');
      d.id = 'legend';
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      this.legendEl = d;
      this.drawLegend();
      return d;
    } });
    new Legend({ position: 'bottomright' }).addTo(map);
  }

  drawLegend() {
    const d = this.legendEl;
    if (!d) return;
    const sw = (c, label, cls = 'sw') => `<span class="${cls}" style="background:${c}"></span>${label}`;
    d.innerHTML = `<details ${this.legendOpen ? 'open' : ''}><summary>${t('legend')}</summary>
      <div><b>${t('warn_level')}</b> ${['blue', 'yellow', 'orange', 'red'].map((l) => sw(WARN[l], tr('w_', l))).join(' ')}</div>
      <div><b>${t('tab_evac')}</b> <span class="sw ol" style="border-color:#7b3fb0"></span>${t('st_ordered')} <span class="sw ol" style="border-color:#1a9641"></span>${t('unaccounted')} 0</div>
      <div><b>${t('f_road')}</b> <span class="ln" style="border-color:#e01b24;border-style:dashed"></span>${t('closed')} <span class="ln" style="border-color:#1f6fd1"></span>${t('depth_now')}
        <span class="ln" style="border-color:#4a90d9"></span>${t('f_river')}</div>
      <div><b>${t('f_incident')}</b> ${[1, 2, 3, 4].map((p) => `<span class="lg-inc p${p}">${p}</span>`).join(' ')}</div>
      <div><b>${t('responders')}</b> <span class="rm town" style="background:#1a9641"></span>${t('tier_town')} <span class="rm village" style="background:#1a9641"></span>${t('tier_village')}
        <span class="rm reserve" style="background:#1a9641"></span>${t('tier_reserve')}<br>${['available', 'accepted', 'en_route', 'on_scene'].map((s) => sw(STATUS[s], tr('st_', s), 'dot')).join(' ')}</div>
      <div><b>${t('f_shelter')}</b> ${shelterHTML(0.3, true)} ${t('occupancy')}/${t('capacity')} · <b>${t('f_gauge')}</b> ${gaugeHTML('rain', 0.4, '')} ${t('value')}/${t('threshold')}</div>
    </details>`;
    d.querySelector('details').ontoggle = (e) => { this.legendOpen = e.target.open; };
  }

  /** relabel redraws every text in the current language. */
  relabel() {
    this.labelNames();
    this.drawLegend();
    if (this.layerCtl) {
      this.map.removeControl(this.layerCtl);
      const overlays = {};
      for (const k of ['grid', 'road', 'river', 'hazard', 'shelter', 'gauge', 'responder', 'crew', 'incident']) if (this.g[k]) overlays[t('f_' + k)] = this.g[k];
      this.layerCtl = L.control.layers(null, overlays, { position: 'topright', collapsed: true }).addTo(this.map);
    }
    this.setState(this.state);
  }

  // bind gives a feature its popup (built when opened, so it shows the state of that moment) and
  // lets the modes see clicks on roads and grids.
  bind(kind, f, layer) {
    layer.on('click', (e) => {
      L.DomEvent.stopPropagation(e);
      if (this.mode === 'road' && kind === 'road') return this.onPick('road', f.properties);
      if (this.mode === 'grids' && kind === 'grid') return this.toggleGrid(f.properties.id);
      if (this.mode !== 'select') return this.clicked(e); // the mode wants a point, not this feature
      this.select(kind, f.properties, e.latlng);
    });
  }

  /** select opens the popup of a feature: its details by name. */
  select(kind, p, at) {
    const html = this.details(kind, p);
    this.popup = L.popup({ maxWidth: 320, className: `pop pop-${kind}` }).setLatLng(at).setContent(html).openOn(this.map);
    this.el.dataset.selected = `${kind}:${p.id}`;
  }

  clicked(e) {
    switch (this.mode) {
      case 'incident': this.onPick('incident', { lat: e.latlng.lat, lon: e.latlng.lng }); break;
      case 'road': this.onPick('no_road', null); break;
      case 'polygon': this.addVertex(e.latlng); break;
      case 'grids': { const g = this.gridAt(e.latlng); if (g) this.toggleGrid(g); break; }
      default: this.el.dataset.selected = ''; // a plain click on nothing selects nothing
    }
  }

  /** setMode switches the click's meaning: select, incident, road, polygon or grids. */
  setMode(mode) {
    this.mode = mode;
    this.el.dataset.mode = mode;
    this.map.closePopup();
    this.vec.options.tolerance = mode === 'road' ? 9 : (this.phone ? 2 : 5);
    if (!this.g) return;
    this.g.draw.clearLayers();
    this.vertices = [];
    if (mode !== 'grids') { this.picked.clear(); this.styleGrids(); }
  }

  addVertex(ll) {
    this.vertices.push(ll);
    this.g.draw.clearLayers();
    L.polygon(this.vertices, { renderer: this.vec, color: '#7b3fb0', weight: 2, dashArray: '4 3', fillOpacity: 0.15, interactive: false }).addTo(this.g.draw);
    for (const v of this.vertices) L.circleMarker(v, { renderer: this.vec, radius: 3, color: '#7b3fb0', interactive: false }).addTo(this.g.draw);
    this.onPick('vertex', this.vertices.length);
  }

  /** finishPolygon hands the drawn ring ([[lon, lat], …]) to the board. */
  finishPolygon() {
    if ((this.vertices || []).length < 3) return;
    this.onPick('polygon', this.vertices.map((v) => [+v.lng.toFixed(6), +v.lat.toFixed(6)]));
  }

  /** gridAt is the id of the grid under a point, if any. */
  gridAt(ll) {
    for (const f of this.layers.grid?.features || []) if (inside(f.geometry, [ll.lng, ll.lat])) return f.properties.id;
    return '';
  }

  toggleGrid(id) {
    if (this.picked.has(id)) this.picked.delete(id); else this.picked.add(id);
    this.styleGrids();
    this.onPick('grids', [...this.picked]);
  }

  setState(st) {
    this.state = st || {};
    if (!this.g) return;
    this.styleGrids();
    this.styleRoads();
    this.drawShelters();
    this.drawGauges();
    this.drawResponders();
    this.drawIncidents();
  }

  styleGrids() {
    if (!this.gridLayers) return;
    const warn = gridLevels(this.state), evac = gridEvac(this.state);
    for (const [id, l] of this.gridLayers) {
      const w = warn.get(id), e = evac.get(id), pick = this.picked.has(id);
      l.setStyle({ fillColor: pick ? '#12324a' : WARN[w] || '#9b59b6', fillOpacity: pick ? 0.45 : w ? 0.38 : e ? 0.12 : 0,
        color: pick ? '#12324a' : { ordered: '#7b3fb0', clear: '#1a9641' }[e] || '#9aa5ad', weight: pick ? 3 : e ? 2.5 : 0.7 });
    }
  }

  styleRoads() {
    if (!this.roadLayers) return;
    const now = new Map((this.state.roads || []).map((r) => [r.id, r]));
    const changed = new Set([...now.keys(), ...(this.roadChanged || [])]);
    for (const id of changed) this.roadLayers.get(id)?.setStyle(roadStyle(this.roadLayers.get(id).feature.properties, now.get(id)));
    this.roadChanged = now.keys();
  }

  drawShelters() {
    const occ = new Map((this.state.shelters || []).map((s) => [s.id, s]));
    for (const [id, m] of this.shelterMarks) {
      const s = occ.get(id) || {}, p = m.feature.properties;
      const cap = s.capacity || p.capacity_night || p.capacity_day || 1;
      const key = `${s.occupancy || 0}/${cap}/${s.open !== false}`;
      if (m.key !== key) { m.key = key; m.setIcon(shelterIcon(s.occupancy || 0, cap, s.open !== false)); }
    }
  }

  drawGauges() {
    const now = new Map((this.state.gauges || []).map((g) => [g.id, g]));
    for (const [id, m] of this.gaugeMarks) {
      const g = now.get(id);
      const key = JSON.stringify([g?.level, g?.meters, g?.accumulations?.[3], g?.accumulations?.[24], zh()]);
      if (m.key !== key) { m.key = key; m.setIcon(gaugeIcon(m.feature.properties, g)); }
    }
  }

  // drawResponders: responders at work (accepted, en route, on scene) are drawn one by one, always
  // visible; the others (mostly at home, standing by) are clustered.
  drawResponders() {
    const seen = new Set(), add = [];
    for (const r of this.state.responders || []) {
      if (r.lat == null || r.lon == null || (!r.lat && !r.lon)) continue;
      seen.add(r.id);
      const key = `${r.status}/${r.tier}/${r.reserve}/${r.lat}/${r.lon}`;
      const group = BUSY.includes(r.status) ? this.g.crew : this.g.responder;
      let m = this.respMarks.get(r.id);
      if (!m) {
        m = L.marker([r.lat, r.lon], { icon: responderIcon(r), keyboard: false, zIndexOffset: BUSY.includes(r.status) ? 300 : 0 });
        m.on('click', (e) => { L.DomEvent.stopPropagation(e); if (this.mode === 'select') this.select('responder', this.findResponder(r.id) || r, e.latlng); else this.clicked(e); });
        this.respMarks.set(r.id, m);
      } else if (m.key !== key) {
        m.setLatLng([r.lat, r.lon]); m.setIcon(responderIcon(r)); m.setZIndexOffset(BUSY.includes(r.status) ? 300 : 0);
      }
      if (m.group !== group) {
        m.group?.removeLayer(m);
        if (group === this.g.responder) add.push(m); else group.addLayer(m);
        m.group = group;
      }
      m.key = key;
    }
    if (add.length) this.g.responder.addLayers ? this.g.responder.addLayers(add) : add.forEach((m) => m.addTo(this.g.responder));
    for (const [id, m] of this.respMarks) if (!seen.has(id)) { m.group?.removeLayer(m); this.respMarks.delete(id); }
  }

  findResponder(id) { return (this.state.responders || []).find((r) => r.id === id); }

  drawIncidents() {
    const seen = new Set();
    for (const i of this.state.incidents || []) {
      if (i.status === 'resolved' || i.lat == null) continue;
      seen.add(i.id);
      const key = `${i.priority}/${i.status}/${i.lat}/${i.lon}/${crewShort(i)}`;
      let m = this.incMarks.get(i.id);
      if (!m) {
        m = L.marker([i.lat, i.lon], { icon: incidentIcon(i), zIndexOffset: 1000 - 100 * (i.priority || 4), keyboard: false });
        m.on('click', (e) => { L.DomEvent.stopPropagation(e); if (this.mode === 'select') this.select('incident', this.state.incidents.find((x) => x.id === i.id) || i, e.latlng); else this.clicked(e); });
        this.incMarks.set(i.id, m);
        this.g.incident.addLayer(m);
      } else if (m.key !== key) { this.g.incident.removeLayer(m); m.setLatLng([i.lat, i.lon]); m.setIcon(incidentIcon(i)); this.g.incident.addLayer(m); }
      m.key = key; m.priority = i.priority || 4;
    }
    for (const [id, m] of this.incMarks) if (!seen.has(id)) { this.g.incident.removeLayer(m); this.incMarks.delete(id); }
  }

  /** setRoute draws a route answer (GET /api/route) or clears it. */
  setRoute(r) {
    this.g?.route.clearLayers();
    if (r?.path?.coordinates?.length) L.polyline(r.path.coordinates.map(([lon, lat]) => [lat, lon]), { renderer: this.vec, color: '#00a4d6', weight: 6, opacity: 0.8, interactive: false }).addTo(this.g.route);
  }

  /** setMarker marks a point ([lon, lat]) the user chose, or clears it. */
  setMarker(ll) {
    this.mark?.remove();
    this.mark = ll ? L.circleMarker([ll[1], ll[0]], { renderer: this.vec, radius: 9, color: '#000', weight: 2, fill: false, interactive: false }).addTo(this.map) : null;
  }

  /** details is a feature's popup: what an operator needs to know of it, by name. */
  details(kind, p) {
    const st = this.state;
    const row = (k, v) => (v === undefined || v === null || v === '' ? '' : `<tr><th>${esc(t(k))}</th><td>${esc(v)}</td></tr>`);
    const head = (title, sub) => `<div class="pop-h" data-kind="${kind}"><b>${esc(title)}</b> <span class="muted">${esc(sub)}</span></div>`;
    switch (kind) {
      case 'grid': case 'village': {
        const hc = (kind === 'grid' ? st.evac_grids : st.evac_villages || []).find?.((g) => g.id === p.id);
        const lvl = kind === 'grid' ? gridLevels(st).get(p.id) : villageLevel(st, p.id);
        return head(name(p), t('f_' + kind)) + '<table>' + (kind === 'grid' ? row('f_village', place(p.village, 'village')) : '') +
          row('population', p.population) + row('households', p.households) +
          (p.low_lying_share != null ? row('low_lying', `${Math.round(100 * p.low_lying_share)}%`) : '') +
          row('warn_level', lvl ? tr('w_', lvl) : t('none')) +
          (hc?.ordered?.people ? row('ordered', hc.ordered.people) + row('at_shelter', hc.at_shelter.people) + row('unaccounted', hc.unaccounted.people) : '') + '</table>';
      }
      case 'road': {
        const r = (st.roads || []).find((x) => x.id === p.id);
        return head(name(p) || tr('rc_', p.class), tr('rc_', p.class)) + '<table>' + row('speed', p.speed_kmh ? `${p.speed_kmh} km/h` : '') +
          row('status', r?.closed ? t('closed') : r?.depth_m ? `${t('depth_now')} ${r.depth_m} ${t('m')}` : t('open_now')) +
          (p.low_lying ? row('low_lying', '✓') : '') + '</table>';
      }
      case 'river': return head(name(p), t('f_river'));
      case 'hazard': return head(name(p), tr('hk_', p.hazard_kind)) + '<table>' + row('f_village', place(p.village, 'village')) + '</table>';
      case 'shelter': {
        const s = (st.shelters || []).find((x) => x.id === p.id) || {};
        return head(name(p), tr('sk_', p.shelter_kind)) + '<table>' + row('f_village', place(p.village, 'village')) +
          row('occupancy', `${s.occupancy ?? 0} / ${s.capacity ?? p.capacity_night ?? p.capacity_day ?? '?'}`) +
          (s.on_the_way ? row('on_the_way', s.on_the_way) : '') + (s.over_capacity ? row('over_capacity', `${s.over_capacity}${t('persons')}`) : '') +
          row('status', s.open === false ? t('closed') : t('open_now')) +
          row('capacity_dn', `${p.capacity_day ?? '?'} / ${p.capacity_night ?? '?'}`) + '</table>';
      }
      case 'gauge': {
        const g = (st.gauges || []).find((x) => x.id === p.id) || {};
        const a = g.accumulations || {};
        return head(name(p), tr('gk_', p.gauge_kind)) + '<table>' + row('f_village', place(p.village, 'village')) +
          (p.gauge_kind === 'rain'
            ? row('rain_1h', `${num(a[1])} ${t('mm')}`) + row('rain_3h', `${num(a[3])} ${t('mm')}`) + row('rain_24h', `${num(a[24])} ${t('mm')}`)
            : row('value', g.meters != null ? `${g.meters.toFixed(2)} ${t('m')}` : '—') + row('warning_m', p.warning_m != null ? `${p.warning_m} ${t('m')}` : '') + row('danger_m', p.danger_m != null ? `${p.danger_m} ${t('m')}` : '')) +
          row('warn_level', g.level ? tr('w_', g.level) : t('none')) + row('last_reading', clock(g.last_reading)) + '</table>';
      }
      case 'responder': {
        const a = (st.assignments || []).find((x) => x.id === p.assignment);
        const inc = a && (st.incidents || []).find((i) => i.id === a.incident);
        return head(name(p), p.team || '') + '<table>' + row('tier', t(p.reserve ? 'tier_reserve' : 'tier_' + p.tier)) +
          row('status', tr('st_', p.status)) + row('capabilities', (p.capabilities || []).map((c) => tr('c_', c)).join(zh() ? '、' : ', ')) +
          row('f_village', place(p.village, 'village')) +
          (inc ? row('assignment', `P${inc.priority} ${tr('k_', inc.kind)} · ${place(inc.village, 'village')}`) : '') +
          (a ? row('reason', explain(a)) : '') + '</table>';
      }
      case 'incident': {
        const crew = (p.assignments || []).map((id) => (st.assignments || []).find((a) => a.id === id)).filter((a) => a && !['cancelled', 'declined', 'timed_out'].includes(a.status));
        return head(`P${p.priority || '?'} ${tr('k_', p.kind)}`, `${place(p.village, 'village')} · ${tr('st_', p.status)}`) + '<table>' +
          row('people', p.people) + row('needs', (p.needs || []).map((n) => `${tr('c_', n.capability)} ${n.met}/${n.count}`).join(zh() ? '，' : ', ')) +
          row('crew', crew.map((a) => `${person(a.responder)}${paren(tr('st_', a.status))}`).join(zh() ? '、' : ', ')) +
          row('note', note(p.note)) + row('reported', clock(p.reported_at)) + '</table>';
      }
    }
    return head(name(p), '');
  }
}

// crewShort: open slots of an incident's needs.
export function crewShort(i) { return (i.needs || []).reduce((s, n) => s + (n.open || 0), 0); }

function roadStyle(p, r) {
  if (r?.closed) return { color: '#e01b24', weight: 4, dashArray: '6 4', opacity: 1 };
  if (r?.depth_m) return { color: '#1f6fd1', weight: 3.5, dashArray: null, opacity: 1 };
  const major = p.class === 'trunk' || p.class === 'primary' || p.class === 'secondary';
  return { color: major ? '#c9a227' : p.class === 'tertiary' ? '#b9b3a6' : '#d6d1c6', weight: major ? 2.5 : p.class === 'tertiary' ? 1.4 : 0.8, dashArray: null, opacity: 1 };
}

function shelterHTML(frac, open) {
  const pct = Math.round(100 * Math.min(1, frac));
  return `<span class="shl${open ? '' : ' shut'}"><svg viewBox="0 0 16 14" width="16" height="14"><path d="M1 7 L8 1 L15 7 L13 7 L13 13 L3 13 L3 7 Z" fill="#0b7a3e" stroke="#fff" stroke-width="1"/><rect x="6.5" y="8.5" width="3" height="4.5" fill="#fff"/></svg><i><b class="${frac > 0.9 ? 'hot' : ''}" style="width:${pct}%"></b></i></span>`;
}

function shelterIcon(n, cap, open) {
  return L.divIcon({ className: 'shelter-icon', html: shelterHTML(n / cap, open), iconSize: [22, 20], iconAnchor: [11, 10] });
}

function gaugeHTML(kind, frac, text) {
  const pct = Math.round(100 * Math.min(1, Math.max(0, frac)));
  const hot = frac >= 1 ? ' hot' : frac >= 0.8 ? ' warm' : '';
  return `<span class="gauge-m ${kind}${hot}"><i style="height:${pct}%"></i></span>${text ? `<span class="gv${hot}">${text}</span>` : ''}`;
}

// gaugeIcon: a small column filled to value/threshold (3 h rain against 50 mm, or the level
// against its warning level); the figure itself shows when zoomed in, below-right of the
// station, under the village names' pane.
function gaugeIcon(p, g) {
  let frac = 0, text = '';
  if (g && p.gauge_kind === 'rain') {
    const a3 = g.accumulations?.[3] ?? 0;
    frac = a3 / 50; text = `${num(a3)}`;
  } else if (g && g.meters != null) {
    frac = p.warning_m ? g.meters / p.warning_m : 0; text = `${g.meters.toFixed(2)}`;
  }
  return L.divIcon({ className: `gauge-icon ${g?.level || ''}`, html: gaugeHTML(p.gauge_kind, frac, text), iconSize: [10, 18], iconAnchor: [5, 18] });
}

function responderIcon(r) {
  const shape = r.reserve ? 'reserve' : r.tier === 'town' ? 'town' : r.tier === 'village' ? 'village' : 'guest';
  const busy = BUSY.includes(r.status);
  return L.divIcon({ className: `resp-icon${busy ? ' busy' : ''}`, html: `<span class="rm ${shape}" style="background:${STATUS[r.status] || '#555'}"></span>`,
    iconSize: busy ? [14, 14] : [10, 10] });
}

function incidentIcon(i) {
  const short = crewShort(i);
  return L.divIcon({ className: `inc-icon p${i.priority || 4}${short ? ' short' : ''}`, html: `<span></span><b>${i.priority || '!'}</b>`, iconSize: [22, 22], iconAnchor: [11, 11] });
}

function esc(s) { return String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]); }
function num(v) { return v == null ? '—' : (+v).toFixed(1); }

/** clock shows an RFC 3339 time as the town's local time (UTC+8), e.g. 05-13 02:40. */
export function clock(s, withDate = true) {
  if (!s) return '';
  const d = new Date(s);
  if (isNaN(d)) return '';
  const l = new Date(d.getTime() + 8 * 3600e3).toISOString();
  return withDate ? `${l.slice(5, 10)} ${l.slice(11, 16)}` : l.slice(11, 16);
}

// inside: is p ([lon, lat]) in a Polygon or MultiPolygon (even-odd rule over every ring)?
function inside(g, [x, y]) {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  let odd = false;
  for (const poly of polys) for (const ring of poly) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

function eachCoord(g, f) {
  const walk = (c) => { if (typeof c[0] === 'number') f(c); else c.forEach(walk); };
  if (g) walk(g.coordinates);
}

function centroid(g) {
  let sx = 0, sy = 0, n = 0;
  eachCoord(g, ([x, y]) => { sx += x; sy += y; n++; });
  return n ? [sx / n, sy / n] : null;
}

/** villageLevel is the warning level of a village: its gauges' or a warning on it. */
export function villageLevel(st, id) {
  let lvl = (st.warning_villages || []).find((v) => v.id === id)?.level || '';
  for (const w of st.warnings || []) if (w.scope === 'village' && w.target === id && (RANK[w.level] || 0) > (RANK[lvl] || 0)) lvl = w.level;
  return lvl;
}

// gridLevels gives each grid the highest warning over it: its village's level or a warning on
// the grid itself (a CAP alert).
export function gridLevels(st) {
  const out = new Map();
  const raise = (grid, level) => { if ((RANK[level] || 0) > (RANK[out.get(grid)] || 0)) out.set(grid, level); };
  const vl = new Map((st.warning_villages || []).map((v) => [v.id, v.level || '']));
  for (const w of st.warnings || []) if (w.scope === 'village' && (RANK[w.level] || 0) > (RANK[vl.get(w.target)] || 0)) vl.set(w.target, w.level);
  for (const f of gridFeatures) raise(f.properties.id, vl.get(f.properties.village) || '');
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
