// queue.js: the phone's status taps, kept in localStorage until the server has answered once.
// A tap made with no signal stays in the queue, shown as 未发送 (not sent); it is sent when the
// phone is back online, in order, and removed after the first answer, whatever it says, so it
// is never sent twice (the server allows a repeated status anyway).

/** Outbox is one responder's queue of status reports. */
export class Outbox {
  constructor(rid, send, onChange) {
    this.key = `floodcmd.outbox.${rid}`;
    this.send = send; // (item) => Promise<{ok, status, body}>; throws when offline
    this.onChange = onChange;
    this.busy = false;
  }

  /** items are the reports not yet answered, oldest first. */
  items() { try { return JSON.parse(localStorage.getItem(this.key) || '[]'); } catch { return []; } }

  save(list) { localStorage.setItem(this.key, JSON.stringify(list)); this.onChange(list); }

  /** push queues a report and tries to send at once. */
  async push(item) {
    this.save([...this.items(), { ...item, queued_at: new Date().toISOString(), n: Date.now() }]);
    return this.flush();
  }

  /** flush sends the queue in order; it stops at the first network failure. Returns the answers. */
  async flush() {
    if (this.busy) return [];
    this.busy = true;
    const answers = [];
    try {
      for (;;) {
        const [head] = this.items();
        if (!head) break;
        let res;
        try { res = await this.send(head); } catch { break; } // no signal: keep it, marked unsent
        this.save(this.items().filter((x) => x.n !== head.n));
        answers.push({ item: head, res });
      }
    } finally { this.busy = false; }
    this.onChange(this.items());
    return answers;
  }
}
