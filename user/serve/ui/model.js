// model.js - the UI's copy of the live model: the discover document of
// /api/namespaces (seq N), with every event after N folded in as it comes,
// so a view shows a new namespace before the next document is read.  A
// re-read document replaces the whole copy, and the events after its seq
// are folded in again: the copy never goes back in time.

export const TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
// how long a namespace made while watching stays highlighted (ms)
export const FRESH_MS = 10000;
// events kept for folding into the next document
const PENDING_MAX = 200000;

export class Store extends EventTarget {
  constructor() {
    super();
    this.ns = new Map();         // id -> the document's namespace entry
    this.procs = new Map();      // pid -> process
    this.containers = new Map(); // id -> container
    this.mounts = {};            // mntns id -> [mount], when the document has them
    this.host = null;
    this.seq = 0;                // the last event folded in (or the document's)
    this.pending = [];           // events after the last document, in order
    this.fresh = new Map();      // id -> when it was made (Date.now())
    this.gone = new Map();       // id -> the destroy event
  }

  // A document read from /api/namespaces; reset: events kept from before
  // belong to another stream (a resync), drop them.
  load(doc, reset) {
    if (reset) this.pending = [];
    this.ns = new Map();
    for (const n of doc.namespaces || []) this.ns.set(n.id, { ...n });
    this.procs = new Map();
    for (const p of doc.processes || []) this.procs.set(p.pid, p);
    this.containers = new Map();
    for (const c of doc.containers || []) this.containers.set(c.id, c);
    this.mounts = doc.mounts || {};
    this.host = doc.host || this.host;
    this.seq = doc.seq || 0;
    this.docSeq = this.seq;
    this.pending = this.pending.filter(e => e.seq > this.seq);
    for (const e of this.pending) this.fold(e);
    if (this.pending.length) this.seq = this.pending[this.pending.length - 1].seq;
    this.changed();
  }

  // An event of the stream; false when the copy already has it.
  apply(e) {
    if (typeof e.seq !== 'number' || e.seq <= this.seq) return false;
    this.seq = e.seq;
    this.pending.push(e);
    if (this.pending.length > PENDING_MAX) this.pending.shift();
    this.fold(e);
    this.changed();
    return true;
  }

  fold(e) {
    if (e.event === 'create') this.created(e);
    else if (e.event === 'destroy') this.destroyed(e);
    else if (e.event === 'switch') this.switched(e);
  }

  created(e) {
    const n = e.ns;
    if (!n || this.ns.has(n.id)) return;
    const ent = { id: n.id, type: n.type, initial: false, live: true,
                  processes: [], tasks: [], refs: [], containers: [] };
    if (n.ns_id) ent.ns_id = n.ns_id;
    if (n.owner) ent.owner = n.owner;
    if (n.parent) ent.parent = n.parent;
    if (e.pid && e.via !== 'sweep') {
      ent.processes.push(e.pid);
      ent.refs.push({ via: 'process', pid: e.pid });
      if (!this.procs.has(e.pid))
        this.procs.set(e.pid, { pid: e.pid, comm: e.comm, cmdline: null, stub: true });
    }
    if (e.container) ent.containers.push(e.container);
    this.ns.set(n.id, ent);
    this.gone.delete(n.id);
    // folded again after a re-read: the first sighting counts
    if (e.via !== 'start' && !this.fresh.has(n.id)) this.fresh.set(n.id, Date.now());
  }

  destroyed(e) {
    const id = e.ns && e.ns.id;
    if (!this.ns.delete(id)) return;
    this.fresh.delete(id);
    this.gone.set(id, e);
  }

  switched(e) {
    const p = this.procs.get(e.pid);
    for (const c of e.changes || []) {
      const from = this.ns.get(c.from), to = this.ns.get(c.to);
      if (from && from.processes) from.processes = from.processes.filter(x => x !== e.pid);
      if (to && to.processes && !to.processes.includes(e.pid)) to.processes.push(e.pid);
      if (p && p.namespaces) p.namespaces[c.type] = c.to;
    }
  }

  changed() {
    this.dispatchEvent(new Event('change'));
  }

  isFresh(id) {
    const t = this.fresh.get(id);
    return t !== undefined && Date.now() - t < FRESH_MS;
  }

  // Indexes a view needs, computed once per render.
  index() {
    const now = Date.now();
    for (const [id, t] of this.fresh) if (now - t > FRESH_MS) this.fresh.delete(id);
    const byParent = new Map(), byOwner = new Map(), byType = new Map();
    for (const t of TYPES) byType.set(t, []);
    for (const n of this.ns.values()) {
      if (!byType.has(n.type)) byType.set(n.type, []);
      byType.get(n.type).push(n);
      if (n.parent && this.ns.has(n.parent)) push(byParent, n.parent, n);
      if (n.type !== 'user' && n.owner) push(byOwner, n.owner, n);
    }
    return { byParent, byOwner, byType };
  }

  // The process a namespace is shown by: the oldest leader, else the first.
  mainPid(n) {
    if (n.ealdorman) return n.ealdorman;
    return n.processes && n.processes.length ? n.processes[0] : null;
  }

  // Its ancestors, outermost first: parents for user and PID namespaces,
  // else the owning user namespace and that one's parents.
  ancestors(n) {
    const out = [], seen = new Set([n.id]);
    let up = n.parent || n.owner;
    while (up && !seen.has(up)) {
      seen.add(up);
      const a = this.ns.get(up);
      out.unshift(a || { id: up, type: n.type === 'pid' ? 'pid' : 'user', missing: true });
      if (!a) break;
      up = a.parent || (a.type === 'user' ? null : a.owner);
    }
    return out;
  }

  containerName(id) {
    const c = this.containers.get(id);
    return c ? (c.name || c.id) : String(id).slice(0, 12);
  }
}

function push(map, k, v) {
  const a = map.get(k);
  if (a) a.push(v); else map.set(k, [v]);
}

// How a namespace is held, in a word or two (nsmon ls's REF): what keeps
// it alive besides processes.
export function refText(r) {
  switch (r.via) {
  case 'process': return `process ${r.pid}`;
  case 'task': return `thread ${r.pid}/${r.tid}`;
  case 'children': return `children of ${r.pid}`;
  case 'fd': return `fd ${r.pid}:${r.fd}`;
  case 'socket': return `socket ${r.pid}:${r.fd}`;
  case 'bindmount': return r.path;
  case 'hierarchy': return 'parent';
  case 'owner': return 'owner';
  default: return r.via;
  }
}

// nsmon ls's REF: only for a namespace no process is attached to, the
// first few ways it is held (its page lists them all).
export function refSummary(n) {
  if (n.processes && n.processes.length) return '';
  const other = (n.refs || []).filter(r => r.via !== 'process');
  const more = other.length > 3 ? ` +${other.length - 3} more` : '';
  return other.slice(0, 3).map(refText).join(', ') + more;
}
