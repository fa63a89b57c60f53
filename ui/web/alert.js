// alert.js: a new priority-1 incident sounds and shows a banner until acknowledged. The sound
// can be muted (kept in localStorage); the banner cannot, so a muted board still tells.
import { t } from './i18n.js';

/** Alerter watches the incidents for new priority-1 ones. */
export class Alerter {
  constructor(banner, muteButton) {
    this.banner = banner;
    this.button = muteButton;
    this.seen = null; // ids known before: nothing already there at the first state is new
    this.muted = localStorage.getItem('floodcmd.muted') === '1';
    this.button.onclick = () => { this.muted = !this.muted; localStorage.setItem('floodcmd.muted', this.muted ? '1' : '0'); this.label(); };
    this.banner.onclick = () => { this.banner.hidden = true; this.onClick?.(); };
    this.label();
  }

  /** label shows the mute button's state in the current language. */
  label() {
    this.button.textContent = this.muted ? `♪× ${t('unmute')}` : `♪ ${t('mute')}`;
    this.button.dataset.muted = String(this.muted);
  }

  /** check alerts once for every priority-1 incident not seen before. */
  check(st, text, onClick) {
    const p1 = (st.incidents || []).filter((i) => i.priority === 1 && i.status !== 'resolved');
    if (this.seen === null) { this.seen = new Set(p1.map((i) => i.id)); return; }
    const fresh = p1.filter((i) => !this.seen.has(i.id));
    for (const i of fresh) this.seen.add(i.id);
    if (!fresh.length) return;
    const i = fresh[fresh.length - 1];
    this.banner.textContent = `⚠ ${text(i)}${fresh.length > 1 ? ` (+${fresh.length - 1})` : ''}`;
    this.banner.hidden = false;
    this.banner.dataset.incident = i.id;
    this.onClick = () => onClick(i);
    document.body.dataset.alerts = String(Number(document.body.dataset.alerts || 0) + fresh.length);
    if (!this.muted) beep();
  }
}

/** beep plays three short tones (Web Audio; nothing to download). */
export function beep() {
  try {
    const ctx = beep.ctx || (beep.ctx = new AudioContext());
    for (let k = 0; k < 3; k++) {
      const o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 880; o.type = 'square';
      g.gain.setValueAtTime(0.0001, ctx.currentTime + k * 0.3);
      g.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + k * 0.3 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + k * 0.3 + 0.2);
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + k * 0.3); o.stop(ctx.currentTime + k * 0.3 + 0.22);
    }
  } catch { /* no audio device: the banner still shows */ }
}
