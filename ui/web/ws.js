// ws.js: the live feed. The server folds the log and diffs its state; this only
// applies snapshots and deltas (upserts/removals by id, plain values replaced)
// and reconnects with ?since= so that nothing is lost or applied twice.

export class Feed {
  constructor({ onState, onStatus, onTimeline }) {
    this.onState = onState;
    this.onStatus = onStatus || (() => {});
    this.onTimeline = onTimeline || (() => {});
    this.state = null;
    this.seq = null;
    this.ids = {};
    this.backoff = 500;
  }

  start() { this.connect(); }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const since = this.seq !== null ? `?since=${this.seq}` : '';
    this.onStatus('connecting');
    const ws = new WebSocket(`${proto}//${location.host}/ws${since}`);
    this.ws = ws;
    ws.onopen = () => { this.backoff = 500; this.fresh = true; };
    ws.onmessage = (ev) => this.frame(JSON.parse(ev.data));
    ws.onclose = () => {
      this.onStatus('offline');
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    };
  }

  frame(f) {
    Object.assign(this.ids, f.collections || {});
    if (f.type === 'snapshot') {
      this.state = f.state;
      this.seq = f.seq;
    } else if (f.type === 'delta') {
      if (this.state === null || f.from !== this.seq) { // out of step: start afresh
        this.seq = null;
        this.ws.close();
        return;
      }
      applyDelta(this.state, f, this.ids);
      this.seq = f.to;
      this.state.seq = f.to;
      if (f.timeline && f.timeline.length) this.onTimeline(f.timeline, f.timeline_skipped || 0);
    }
    this.onState(this.state, f);
    // "Live" only once a state has been drawn from this connection, never at the socket's open.
    if (this.fresh && this.state) { this.fresh = false; this.onStatus('live'); }
  }
}

/** applyDelta changes state in place as the server's diff says. */
export function applyDelta(state, f, ids) {
  for (const [k, v] of Object.entries(f.set || {})) state[k] = v;
  for (const k of f.unset || []) delete state[k];
  for (const [k, items] of Object.entries(f.upsert || {})) {
    const key = ids[k] || 'id';
    const list = Array.isArray(state[k]) ? state[k] : (state[k] = []);
    const at = new Map(list.map((it, i) => [String(it[key]), i]));
    for (const it of items) {
      const i = at.get(String(it[key]));
      if (i === undefined) { at.set(String(it[key]), list.length); list.push(it); } else list[i] = it;
    }
  }
  for (const [k, gone] of Object.entries(f.remove || {})) {
    const key = ids[k] || 'id';
    const drop = new Set(gone.map(String));
    state[k] = (state[k] || []).filter((it) => !drop.has(String(it[key])));
  }
}
