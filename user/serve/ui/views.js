// views.js - the UI's views, each a class with an element (el) and
// update(), called whenever the model changed: the namespaces table, the
// user-namespace tree, the PID-namespace tree, one namespace's page, the
// containers.  Filters and sort order live in `prefs`, shared by the
// views, so they survive navigation.

import { h, fill, typeBadge, nsLink, cmdText } from './dom.js';
import { TYPES, refText, refSummary } from './model.js';
import { Tree } from './tree.js';
import { apiFetch, needToken, Unauthorized } from './api.js';

const prefs = { types: new Set(), q: '', sort: 'id', dir: 1 };

// When a namespace made while watching came; undefined: not fresh.
function freshSince(store, id) {
  return store.isFresh(id) ? store.fresh.get(id) : undefined;
}

function freshRow(store, id, tr) {
  const t = freshSince(store, id);
  if (t === undefined) return;
  tr.classList.add('fresh');
  // the highlight fades from when it came, not from this re-render (CSSOM:
  // allowed under the Content-Security-Policy, unlike a style attribute)
  tr.style.animationDelay = `${t - Date.now()}ms`;
}

function procCmd(store, pid) {
  return cmdText(store.procs.get(pid));
}

// ------------------------------------------------------------ namespaces

const COLS = [
  { key: 'id', label: 'NS', num: true, get: (s, n) => n.id },
  { key: 'type', label: 'TYPE', get: (s, n) => n.type },
  { key: 'nprocs', label: 'NPROCS', num: true, get: (s, n) => (n.processes || []).length },
  { key: 'pid', label: 'PID', num: true, get: (s, n) => s.mainPid(n) || 0 },
  { key: 'uid', label: 'UID', num: true, get: (s, n) => {
    const p = s.procs.get(s.mainPid(n));
    return p && p.uid !== undefined ? p.uid : (n.owner_uid ?? '');
  } },
  { key: 'command', label: 'COMMAND', wide: true, get: (s, n) => procCmd(s, s.mainPid(n)) },
  { key: 'container', label: 'CONTAINER',
    get: (s, n) => (n.containers || []).map(c => s.containerName(c)).join(', ') },
  { key: 'ref', label: 'HELD BY', wide: true, get: (s, n) => refSummary(n) },
];

export class NamespacesView {
  constructor(store) {
    this.store = store;
    this.chips = h('span', { class: 'chips', role: 'group', 'aria-label': 'types' });
    this.search = h('input', { type: 'search', id: 'ns-filter', value: prefs.q,
                               placeholder: 'filter: id, command, container, path',
                               'aria-label': 'filter namespaces',
                               oninput: () => { prefs.q = this.search.value; this.update(); } });
    this.search.value = prefs.q;
    this.shown = h('span', { class: 'muted', id: 'ns-shown' });
    this.head = h('tr', null, COLS.map(c => h('th', { scope: 'col', data: { col: c.key } },
      h('button', { type: 'button', onclick: () => this.sortBy(c.key) }, c.label))));
    this.body = h('tbody');
    this.cache = new Map();   // id -> { tr, sig }: the rows shown
    this.table = h('table', { class: 'ns', id: 'ns-table' }, h('thead', null, this.head), this.body);
    this.el = h('section', null, h('h1', null, 'Namespaces'),
                h('div', { class: 'toolbar' }, this.chips, this.search, this.shown),
                this.table);
  }

  sortBy(key) {
    if (prefs.sort === key) prefs.dir = -prefs.dir;
    else { prefs.sort = key; prefs.dir = 1; }
    this.update();
  }

  matches(n) {
    const q = prefs.q.trim().toLowerCase();
    if (!q) return true;
    const s = this.store;
    const hay = [String(n.id), n.ns_id ? String(n.ns_id) : '', procCmd(s, s.mainPid(n)),
      ...(n.containers || []).flatMap(c => [String(c), s.containerName(c)]),
      ...(n.refs || []).filter(r => r.via === 'bindmount').map(r => r.path)];
    return hay.some(x => x && x.toLowerCase().includes(q));
  }

  renderChips(idx) {
    const chip = (t, count) => h('button', {
      type: 'button', class: 'chip', data: { type: t || 'all' },
      'aria-pressed': String(t ? prefs.types.has(t) : prefs.types.size === 0),
      onclick: () => {
        if (!t) prefs.types.clear();
        else if (!prefs.types.delete(t)) prefs.types.add(t);
        this.update();
      } }, t || 'all', h('span', { class: 'n' }, String(count)));
    this.chips.replaceChildren(chip(null, this.store.ns.size),
      ...TYPES.map(t => chip(t, idx.byType.get(t).length)));
  }

  update() {
    const s = this.store, idx = s.index();
    this.renderChips(idx);
    const col = COLS.find(c => c.key === prefs.sort) || COLS[0];
    const list = [...s.ns.values()]
      .filter(n => (!prefs.types.size || prefs.types.has(n.type)) && this.matches(n))
      .map(n => ({ n, k: col.get(s, n) }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.n.id - b.n.id) * prefs.dir);
    for (const th of this.head.children)
      th.setAttribute('aria-sort', th.dataset.col === col.key ?
        (prefs.dir > 0 ? 'ascending' : 'descending') : 'none');
    this.fillRows(list.map(x => x.n));
    this.shown.textContent = `${list.length} of ${s.ns.size}`;
    this.table.dataset.seq = s.seq;
    this.table.dataset.rows = list.length;
  }

  // A row is made again only when what it shows changed, and the body is
  // touched only when the rows or their order did: with thousands of
  // namespaces and events coming, a render stays cheap.
  fillRows(list) {
    const s = this.store, seen = new Map(), rows = [];
    for (const n of list) {
      const sig = COLS.map(c => c.get(s, n)).join('\u0001') + (s.isFresh(n.id) ? '\u0001f' : '');
      let r = this.cache.get(n.id);
      if (!r || r.sig !== sig) r = { tr: this.row(n), sig };
      seen.set(n.id, r);
      rows.push(r.tr);
    }
    this.cache = seen;
    // the rows gone out, then the new ones in at their places: a handful
    // of DOM changes per event, not a new table to lay out
    const keep = new Set(rows);
    for (const tr of [...this.body.children]) if (!keep.has(tr)) tr.remove();
    let cur = this.body.firstElementChild;
    for (const tr of rows) {
      if (cur === tr) cur = cur.nextElementSibling;
      else this.body.insertBefore(tr, cur);
    }
  }

  row(n) {
    const s = this.store;
    const tr = h('tr', { data: { id: n.id, type: n.type, pid: s.mainPid(n) } },
      h('td', { class: 'num' }, nsLink(n.id)),
      h('td', null, typeBadge(n.type)),
      COLS.slice(2).map(c => h('td', { class: c.num ? 'num' : c.wide ? 'wide' : null,
                                       title: c.wide ? c.get(s, n) : null },
                               String(c.get(s, n) ?? ''))));
    freshRow(s, n.id, tr);
    return tr;
  }
}

// ------------------------------------------------------------ user tree

export class UsersView {
  constructor(store) {
    this.store = store;
    this.tree = new Tree('user namespaces');
    this.el = h('section', null, h('h1', null, 'User namespaces'),
                h('p', { class: 'muted' }, 'Each user namespace with its owner and the namespaces it owns, by type. ' +
                  'Keys: arrows move, open and close; Enter opens a namespace.'),
                this.tree.el);
  }

  update() {
    const s = this.store, idx = s.index();
    const users = idx.byType.get('user');
    const roots = users.filter(u => !u.parent || !s.ns.has(u.parent));
    this.tree.render(roots.map(u => this.node(u, 0, idx)));
    this.tree.el.dataset.seq = s.seq;
  }

  node(u, depth, idx) {
    const s = this.store;
    const owned = idx.byOwner.get(u.id) || [];
    const groups = TYPES.filter(t => t !== 'user')
      .map(t => [t, owned.filter(n => n.type === t)]).filter(([, l]) => l.length);
    const kids = (idx.byParent.get(u.id) || []).sort((a, b) => a.id - b.id);
    const nprocs = (u.processes || []).length;
    const label = [nsLink(u.id, 'user'),
      u.owner_uid !== undefined ? h('span', { class: 'count' }, `uid ${u.owner_uid}`) : null,
      h('span', { class: 'count' }, `${nprocs} proc${nprocs === 1 ? '' : 's'}`),
      h('span', { class: 'owned' }, groups.map(([t, l]) =>
        h('span', { class: 'count', data: { owned: t } }, typeBadge(t), ` ${l.length}`))),
      h('span', { class: 'mono muted' }, procCmd(s, s.mainPid(u)))];
    const node = {
      key: `u${u.id}`, label, open: true, cls: 'userns', fresh: freshSince(s, u.id),
      data: { ns: u.id, depth },
      children: [
        ...groups.map(([t, l]) => ({
          key: `u${u.id}/${t}`, open: false,
          label: [typeBadge(t), h('span', { class: 'count' }, `${l.length} owned`)],
          children: l.sort((a, b) => a.id - b.id).map(n => ({
            key: `n${n.id}`, data: { ns: n.id }, fresh: freshSince(s, n.id),
            label: [nsLink(n.id), h('span', { class: 'mono muted' }, procCmd(s, s.mainPid(n)))] })),
        })),
        ...kids.map(k => this.node(k, depth + 1, idx)),
      ],
    };
    return node;
  }
}

// ------------------------------------------------------------ PID tree

// A process's PIDs, outermost first, its own namespace's last (bold).
function nspids(p) {
  const l = p.nspid && p.nspid.length ? p.nspid : [p.pid];
  return h('span', { class: 'nspids mono', title: 'PID in each PID namespace, outermost first' },
    l.map((x, i) => [i ? ' \u203a ' : '', i === l.length - 1 ? h('b', null, String(x)) : String(x)]));
}

export class PidsView {
  constructor(store) {
    this.store = store;
    this.tree = new Tree('PID namespaces');
    this.el = h('section', null, h('h1', null, 'PID namespaces'),
                h('p', { class: 'muted' }, 'Each PID namespace with its processes and their PIDs, outermost namespace first.'),
                this.tree.el);
  }

  update() {
    const s = this.store, idx = s.index();
    const byNs = new Map();
    for (const p of s.procs.values()) {
      const id = p.namespaces && p.namespaces.pid;
      if (!id) continue;
      if (!byNs.has(id)) byNs.set(id, []);
      byNs.get(id).push(p);
    }
    const pids = idx.byType.get('pid');
    const roots = pids.filter(n => !n.parent || !s.ns.has(n.parent));
    this.tree.render(roots.map(n => this.node(n, 0, idx, byNs)));
  }

  node(n, depth, idx, byNs) {
    const procs = (byNs.get(n.id) || []).sort((a, b) => a.pid - b.pid);
    const items = procs.map(p => ({
      key: `p${p.pid}`, data: { pid: p.pid },
      label: [nspids(p), h('span', { class: 'mono' }, cmdText(p))] }));
    const kids = (idx.byParent.get(n.id) || []).sort((a, b) => a.id - b.id);
    return {
      key: `pid${n.id}`, open: true, data: { ns: n.id, depth }, fresh: freshSince(this.store, n.id),
      label: [nsLink(n.id, 'pid'), h('span', { class: 'count' }, `${procs.length} process${procs.length === 1 ? '' : 'es'}`)],
      children: [
        ...(items.length > 12 ?
          [{ key: `pid${n.id}/procs`, open: false, children: items,
             label: h('span', { class: 'count' }, `processes (${items.length})`) }] : items),
        ...kids.map(k => this.node(k, depth + 1, idx, byNs)),
      ],
    };
  }
}

// ------------------------------------------------------------ one namespace

function mountTree(mounts) {
  const ids = new Set(mounts.map(m => m.mount_id));
  const kids = new Map();
  for (const m of mounts) {
    const up = ids.has(m.parent_id) && m.parent_id !== m.mount_id ? m.parent_id : 0;
    if (!kids.has(up)) kids.set(up, []);
    kids.get(up).push(m);
  }
  const node = m => ({
    key: `m${m.mount_id}`, open: true,
    cls: m.hidden ? 'mount hidden' : 'mount',
    data: { mountId: m.mount_id, path: m.path, hidden: String(!!m.hidden) },
    label: [h('span', { class: 'mono path' }, m.path),
      m.hidden ? h('span', { class: 'badge hidden', title: 'over-mounted: a later mount on the same path hides it' }, 'hidden') : null,
      h('span', { class: 'muted' }, `${m.fstype} ${m.source || ''}`),
      h('span', { class: 'muted mono' }, m.options || '')],
    children: (kids.get(m.mount_id) || []).map(node),
  });
  return (kids.get(0) || []).map(node);
}

export class NsView {
  constructor(store, id) {
    this.store = store;
    this.id = id;
    this.mounts = undefined;    // undefined: not asked; null: not to be had
    this.mountTree = new Tree('mounts');
    this.el = h('section', { class: 'detail', data: { ns: id } });
    const n = store.ns.get(id);
    if (n && n.type === 'mnt') this.loadMounts();
  }

  async loadMounts() {
    this.mounts = 'loading';
    try {
      this.mounts = await fetchMounts(this.id);
    } catch (err) {
      if (!(err instanceof Unauthorized)) throw err;
      // asked again once the token is given
      await needToken();
      this.mounts = undefined;
    }
    this.update();
  }

  update() {
    const s = this.store, n = s.ns.get(this.id);
    if (!n) return this.missing();
    if (n.type === 'mnt' && this.mounts === undefined) this.loadMounts();
    const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'ancestors' },
      s.ancestors(n).map(a => [nsLink(a.id, a.type), h('span', { class: 'sep' }, '\u203a')]),
      h('span', { 'aria-current': 'page' }, `${n.type} ${n.id}`));
    const parts = [crumbs,
      h('h1', null, typeBadge(n.type), ' ', String(n.id),
        s.isFresh(n.id) ? h('span', { class: 'badge' }, 'new') : null),
      this.facts(n), this.held(n), this.processes(n)];
    if (n.type === 'user') parts.push(this.owned(n));
    if (n.containers && n.containers.length) parts.push(this.containers(n));
    if (n.type === 'mnt') parts.push(this.mountsPart());
    fill(this.el, parts);
  }

  missing() {
    if (this.store.docSeq === undefined)
      return fill(this.el, h('h1', null, String(this.id)), h('p', { class: 'muted' }, 'loading'));
    const e = this.store.gone.get(this.id);
    fill(this.el, h('h1', null, String(this.id)),
      e ? h('p', { class: 'gone' }, `destroyed (seq ${e.seq}, via ${e.via}${e.pid ? `, last held by pid ${e.pid}` : ''})`)
        : h('p', { class: 'gone' }, 'no such namespace in the live model'));
  }

  facts(n) {
    const s = this.store, kids = (s.index().byParent.get(n.id) || []).map(k => k.id);
    const dd = (k, v) => (v === undefined || v === null || v === '' ? null : [h('dt', null, k), h('dd', null, v)]);
    return h('dl', { class: 'facts' },
      dd('ns_id', n.ns_id ? String(n.ns_id) : null),
      dd('initial', n.initial ? 'yes (the host\u2019s)' : 'no'),
      dd('owner', n.type !== 'user' && n.owner ? nsLink(n.owner, 'user') : null),
      dd('parent', n.parent ? nsLink(n.parent, n.type) : null),
      dd('owner uid', n.owner_uid !== undefined ? String(n.owner_uid) : null),
      dd('children', kids.length ? kids.map(k => [nsLink(k), ' ']) : null),
      dd('leaders', n.leaders && n.leaders.length ? n.leaders.join(', ') : null));
  }

  held(n) {
    const s = this.store, refs = n.refs || [];
    const li = r => {
      const who = r.pid ? h('span', { class: 'muted mono' }, ` ${procCmd(s, r.pid)}`) : null;
      if (r.via === 'bindmount')
        return h('li', { data: { via: r.via } }, 'bind mount ', h('code', null, r.path),
                 ' in ', nsLink(r.mntns, 'mnt'));
      return h('li', { data: { via: r.via } }, refText(r), who);
    };
    return [h('h2', null, 'Held by'),
      refs.length ? h('ul', { class: 'plain' }, refs.map(li)) : h('p', { class: 'muted' }, 'not known yet')];
  }

  processes(n) {
    const s = this.store, pids = n.processes || [];
    const rows = pids.slice(0, 500).map(pid => {
      const p = s.procs.get(pid) || { pid };
      return h('tr', { data: { pid } }, h('td', { class: 'num' }, String(pid)),
        h('td', { class: 'num' }, p.ppid !== undefined ? String(p.ppid) : ''),
        h('td', { class: 'num' }, p.uid !== undefined ? String(p.uid) : ''),
        h('td', null, p.nspid ? nspids(p) : ''),
        h('td', { class: 'wide', title: cmdText(p) }, cmdText(p)),
        h('td', null, p.container ? s.containerName(p.container) : ''));
    });
    const tasks = n.tasks || [];
    return [h('h2', null, `Processes (${pids.length})`),
      pids.length ? h('table', { class: 'ns' },
        h('thead', null, h('tr', null, ['PID', 'PPID', 'UID', 'PIDS', 'COMMAND', 'CONTAINER'].map(x => h('th', null, x)))),
        h('tbody', null, rows)) : h('p', { class: 'muted' }, 'none'),
      pids.length > 500 ? h('p', { class: 'muted' }, `first 500 of ${pids.length}`) : null,
      tasks.length ? [h('h2', null, 'Threads of processes outside it'), h('p', { class: 'mono' }, tasks.join(', '))] : null];
  }

  owned(n) {
    const l = this.store.index().byOwner.get(n.id) || [];
    return [h('h2', null, `Owned namespaces (${l.length})`),
      TYPES.map(t => [t, l.filter(x => x.type === t)]).filter(([, x]) => x.length).map(([t, x]) =>
        h('p', null, typeBadge(t), ' ', x.map(o => [nsLink(o.id), ' '])))];
  }

  containers(n) {
    const s = this.store;
    return [h('h2', null, 'Containers'), h('ul', { class: 'plain' }, n.containers.map(id => {
      const c = s.containers.get(id) || { id };
      return h('li', null, h('b', null, c.name || String(id).slice(0, 12)), ' ',
               h('span', { class: 'muted' }, `${c.engine || ''} ${String(id).slice(0, 12)}`));
    }))];
  }

  mountsPart() {
    const m = this.mounts;
    const head = h('h2', null, 'Mounts ',
      h('button', { type: 'button', onclick: () => this.loadMounts() }, 'Reload'));
    if (m === undefined || m === 'loading') return [head, h('p', { class: 'muted' }, 'loading')];
    if (!m) return [head, h('p', { class: 'muted' }, 'this server does not give the mount table')];
    const hidden = m.filter(x => x.hidden).length;
    this.mountTree.render(mountTree(m));
    return [head, h('p', { class: 'muted' }, `${m.length} mounts, ${hidden} hidden (over-mounted)`),
      this.mountTree.el];
  }
}

// The mount table of a mount namespace: /api/namespaces/ID?mounts=1, else
// /api/mounts?ns=ID; null when the server has neither.  Unauthorized (a
// 401) is thrown.
async function fetchMounts(id) {
  for (const url of [`/api/namespaces/${id}?mounts=1`, `/api/mounts?ns=${id}`]) {
    try {
      const r = await apiFetch(url);
      if (!r.ok) continue;
      const j = await r.json();
      const m = (j.namespace && j.namespace.mounts) || j.mounts;
      if (Array.isArray(m)) return m;
    } catch (err) {
      if (err instanceof Unauthorized) throw err;
      // else try the next
    }
  }
  return null;
}

// ------------------------------------------------------------ containers

export class ContainersView {
  constructor(store) {
    this.store = store;
    this.el = h('section');
  }

  update() {
    const s = this.store, groups = new Map();
    for (const c of s.containers.values()) {
      const g = c.group ? `${c.group.kind}: ${c.group.name}` : 'not in a compose project or pod';
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(c);
    }
    // which namespaces each container is in, and how many containers share each
    const of = new Map();
    for (const n of s.ns.values())
      for (const id of n.containers || []) {
        if (!of.has(id)) of.set(id, []);
        of.get(id).push(n);
      }
    const keys = [...groups.keys()].sort();
    fill(this.el, h('h1', null, `Containers (${s.containers.size})`),
      keys.length ? keys.map(g => h('div', { class: 'group', data: { group: g } }, h('h2', null, g),
        groups.get(g).sort((a, b) => (a.name || '').localeCompare(b.name || '')).map(c => this.one(c, of))))
        : h('p', { class: 'empty' }, 'No containers found (no engine answered, or none running).'));
  }

  one(c, of) {
    const nss = (of.get(c.id) || []).sort((a, b) => TYPES.indexOf(a.type) - TYPES.indexOf(b.type));
    return h('div', { data: { container: c.id } },
      h('b', null, c.name || c.id.slice(0, 12)), ' ',
      h('span', { class: 'muted' }, `${c.engine} ${c.id.slice(0, 12)} pid ${c.pid ?? '-'}${c.paused ? ' paused' : ''}`),
      h('div', null, nss.map(n => {
        const shared = (n.containers || []).length > 1;
        return [nsLink(n.id, n.type), shared ? h('span', { class: 'shared', title: 'shared with other containers' },
          ` shared\u00d7${n.containers.length}`) : null, ' '];
      })));
  }
}
