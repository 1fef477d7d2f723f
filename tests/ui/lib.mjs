// lib.mjs - what the browser tests (ui.test.mjs, token.test.mjs) share:
// the server's stream read by the test itself, and the check that the
// page's table has a row per namespace of /api/namespaces.  auth: the
// headers of a server with --token-file ({} without one).

import assert from 'node:assert/strict';

export const WAIT = { timeout: 30000 };

// Events seq > from, up to and including seq to, from the server's stream
// (the hand-off: each once, in order).
export async function eventsBetween(url, from, to, auth = {}) {
  const ac = new AbortController();
  const r = await fetch(`${url}/api/events?last_event_id=${from}`, { signal: ac.signal, headers: auth });
  const out = [], dec = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of r.body) {
      buf += dec.decode(chunk, { stream: true });
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (/^event: resync$/m.test(frame)) throw new Error(`resync after ${from}: the backlog is too small`);
        const data = frame.match(/^data: (.*)$/m);
        if (!data) continue;
        const e = JSON.parse(data[1]);
        out.push(e);
        if (e.seq >= to) return out;
      }
    }
  } finally {
    ac.abort();
  }
  throw new Error(`the stream ended before seq ${to}`);
}

// The table's rows equal /api/namespaces' count: the document at seq M,
// the table as rendered at seq K >= M, and the creates and destroys in
// between from the stream (the host makes namespaces meanwhile).
// Returns the document's count.
export async function rowsMatch(page, url, auth = {}) {
  const r = await fetch(`${url}/api/namespaces`, { headers: auth });
  assert.equal(r.status, 200, '/api/namespaces');
  const doc = await r.json();
  await page.waitForFunction(m => Number(document.querySelector('#ns-table')?.dataset.seq) >= m, WAIT, doc.seq);
  const [k, rows] = await page.$eval('#ns-table', t => [Number(t.dataset.seq), Number(t.dataset.rows)]);
  let want = doc.namespaces.length;
  if (k > doc.seq)
    for (const e of await eventsBetween(url, doc.seq, k, auth))
      want += e.event === 'create' ? 1 : e.event === 'destroy' ? -1 : 0;
  assert.equal(rows, want, `rows at seq ${k}: the document's ${doc.namespaces.length} at seq ${doc.seq}, and the events up to ${k}`);
  assert.ok(doc.namespaces.length > 0);
  return doc.namespaces.length;
}
