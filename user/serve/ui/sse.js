// sse.js - a server-sent events stream read with fetch(), not EventSource:
// EventSource cannot send a header, and the server's token goes in
// `Authorization: Bearer` (api.js).  The text/event-stream format as the
// HTML standard has it: lines (LF, CRLF or CR), a blank line ends a frame,
// fields `event`, `data` (lines joined by LF), `id`, a line starting with
// ':' a comment.  A frame may come split over chunks, and a chunk may hold
// several.  No retry of its own: the caller reopens (live.js, from its
// last id).

import { apiFetch } from './api.js';

// The lines of a stream into frames: { type, data, lastEventId } to emit
// (exported for tests/ui/token.test.mjs).
export class Parser {
  constructor(emit) {
    this.emit = emit;
    this.dec = new TextDecoder();
    this.buf = '';
    this.cr = false;       // the last chunk ended in CR: a LF next is its pair
    this.type = '';
    this.data = [];
    this.id = '';          // the last id seen, kept across frames (the standard)
  }

  // Feeds a chunk of bytes; stops early once more() says no (closed).
  push(bytes, more) {
    let text = this.dec.decode(bytes, { stream: true });
    if (this.cr && text.startsWith('\n')) text = text.slice(1);
    this.cr = text.endsWith('\r');
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
    this.buf += text;
    let start = 0, nl;
    while ((nl = this.buf.indexOf('\n', start)) >= 0 && more()) {
      this.line(this.buf.slice(start, nl));
      start = nl + 1;
    }
    this.buf = this.buf.slice(start);
  }

  line(l) {
    if (l === '') return this.dispatch();
    if (l[0] === ':') return;
    const c = l.indexOf(':');
    const field = c < 0 ? l : l.slice(0, c);
    let value = c < 0 ? '' : l.slice(c + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }

  dispatch() {
    const { type, data } = this;
    this.type = '';
    this.data = [];
    if (!data.length) return;
    this.emit({ type: type || 'message', data: data.join('\n'), lastEventId: this.id });
  }
}

// Opens url; on: { open(), event(frame), error(err) }.  open once the
// answer's headers came (2xx); error once, for a failed request, a non-2xx
// answer (an Unauthorized for a 401: api.js) or the end of the stream,
// never after close().
export function openStream(url, on) {
  const ac = new AbortController();
  const live = () => !ac.signal.aborted;
  read(url, ac.signal, on, live).catch(err => {
    if (live()) on.error(err);
  });
  return { close: () => ac.abort() };
}

async function read(url, signal, on, live) {
  const r = await apiFetch(url, { signal, headers: { Accept: 'text/event-stream' } });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  if (!live()) return;
  on.open();
  const reader = r.body.getReader();
  const parser = new Parser(frame => on.event(frame));
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !live()) break;
    parser.push(value, live);
  }
  if (live()) throw new Error('the stream ended');
}
