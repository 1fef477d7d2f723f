// live.js - the connection to nsmon serve: read /api/namespaces (seq N),
// then stream /api/events from N (the list+watch hand-off: every change
// after the document once, none before it).  The stream is read with
// fetch() (sse.js: it sends the token, which EventSource cannot) and
// reopened by hand, from the last id seen.  A 401 (a server with
// --token-file, and no token or a wrong one) asks for the token
// (api.js) and then starts over from the document.  A resync (the
// backlog no longer reaches back to our id, or the server restarted)
// means: read the document again and stream from its seq.  After events
// the document is re-read now and then for what events do not carry
// (command lines, refs, containers), and at once after a lost or a sync
// that corrected the model.

import { apiFetch, needToken, Unauthorized } from './api.js';
import { openStream } from './sse.js';

const KINDS = ['create', 'switch', 'destroy', 'sync', 'lost', 'container'];
const BACKOFF_MS = [250, 500, 1000, 2000, 5000];
// re-read at most this often after plain events (ms; more seldom when a
// re-read takes long)...
const REFRESH_MIN_MS = 2000;
// ...but at least this often (ms)...
const REFRESH_MAX_MS = 10000;
// ...and not before the stream has been quiet this long (ms)
const REFRESH_QUIET_MS = 400;

export class Live extends EventTarget {
  constructor(store) {
    super();
    this.store = store;
    this.stream = null;
    this.lastId = 0;
    this.tries = 0;
    this.state = 'connecting';
    this.refreshTimer = null;
    this.lastRefresh = 0;
    this.reading = false;
    this.refreshGap = REFRESH_MIN_MS;
  }

  setState(state, why) {
    this.state = state;
    this.why = why || '';
    this.dispatchEvent(new Event('state'));
  }

  // A note for the feed (a resync, a reconnect): not an event of the stream.
  note(kind, text) {
    this.dispatchEvent(new CustomEvent('note', { detail: { kind, text } }));
  }

  async readDoc() {
    const r = await apiFetch('/api/namespaces');
    if (!r.ok) throw new Error(`/api/namespaces: ${r.status}`);
    return r.json();
  }

  // Everything from the start: the document, then the stream from its seq.
  async reload() {
    this.close();
    clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.setState(this.state === 'resync' ? 'resync' : 'connecting');
    try {
      const doc = await this.readDoc();
      this.store.load(doc, true);
      this.lastId = doc.seq || 0;
      this.lastRefresh = Date.now();
      this.dispatchEvent(new Event('reread'));
      this.open();
    } catch (err) {
      if (err instanceof Unauthorized) return this.unauthorized();
      this.retry(() => this.reload(), String(err.message || err));
    }
  }

  // A 401: nothing more until the token form is answered, then a new
  // hand-off (a wrong token comes back here, and the form says so).
  async unauthorized() {
    this.close();
    clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    if (this.state === 'auth') return;
    this.setState('auth', 'the server wants a token');
    await needToken();
    this.tries = 0;
    this.setState('connecting');
    this.reload();
  }

  open() {
    // a stream that is not this.stream any more (a reload opened another
    // while a retry was due) says nothing
    const s = openStream(`/api/events?last_event_id=${this.lastId}`, {
      open: () => {
        if (this.stream !== s) return s.close();
        this.tries = 0;
        this.setState('live');
      },
      event: ev => {
        if (this.stream === s) this.onFrame(ev);
      },
      error: err => {
        if (this.stream !== s) return;
        this.close();
        if (err instanceof Unauthorized) return this.unauthorized();
        if (!this.tries)
          this.note('disconnect', `stream lost after seq ${this.lastId}; reconnecting`);
        this.retry(() => this.open(), 'stream lost');
      },
    });
    this.stream = s;
  }

  onFrame(ev) {
    if (KINDS.includes(ev.type)) return this.onEvent(ev);
    if (ev.type === 'resync') {
      this.note('resync', `resync after seq ${this.lastId}: re-reading the namespaces`);
      this.setState('resync', 'resync');
      this.reload();
    } else if (ev.type === 'shutdown') {
      // a server that comes back is another run, its seqs start at 1: not
      // a resume but a new hand-off
      this.close();
      this.note('disconnect', `the server is shutting down (after seq ${this.lastId}); reconnecting`);
      this.retry(() => this.reload(), 'server stopped');
    }
  }

  close() {
    if (this.stream) this.stream.close();
    this.stream = null;
  }

  retry(fn, why) {
    const ms = BACKOFF_MS[Math.min(this.tries, BACKOFF_MS.length - 1)];
    this.tries++;
    this.setState('down', `${why}; retry ${this.tries} in ${ms} ms`);
    setTimeout(fn, ms);
  }

  onEvent(ev) {
    let e;
    try {
      e = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (ev.lastEventId) this.lastId = Number(ev.lastEventId);
    this.store.apply(e);
    this.dispatchEvent(new CustomEvent('event', { detail: e }));
    if (e.event === 'lost') {
      this.note('lost', `${e.count} events lost in the kernel: re-reading`);
      this.refresh(0);
    } else if (e.event === 'sync') {
      const c = e.corrected || {};
      if (c.created || c.destroyed || e.reason === 'lost') this.refresh(0);
    } else {
      this.refresh(REFRESH_QUIET_MS);
    }
  }

  // Re-read the document in delay ms, but at most every REFRESH_MIN_MS
  // (delay 0: as soon as possible); one re-read due at a time, so a
  // steady stream does not put it off for ever.
  refresh(delay) {
    if (this.refreshTimer && delay) return;
    clearTimeout(this.refreshTimer);
    const wait = delay ? Math.max(delay, this.lastRefresh + this.refreshGap - Date.now()) : 0;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.reread();
    }, wait);
  }

  async reread() {
    if (this.reading) return this.refresh(REFRESH_QUIET_MS);
    this.reading = true;
    const t0 = Date.now();
    this.lastRefresh = t0;
    try {
      const doc = await this.readDoc();
      // behind what we had: another run of the server (one that did not
      // say shutdown); start over
      if ((doc.seq || 0) < this.store.docSeq) return this.reload();
      this.store.load(doc, false);
      // a big document on a busy server: re-read less often
      this.refreshGap = Math.min(REFRESH_MAX_MS, Math.max(REFRESH_MIN_MS, 3 * (Date.now() - t0)));
      this.dispatchEvent(new Event('reread'));
      // made after the server's sweep: its details come with the next one
      if ((doc.namespaces || []).some(n => n.pending)) this.refresh(REFRESH_QUIET_MS);
    } catch (err) {
      if (err instanceof Unauthorized) return this.unauthorized();
      this.note('error', `re-reading the namespaces failed: ${err.message || err}`);
    } finally {
      this.reading = false;
    }
  }
}
