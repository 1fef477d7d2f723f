// app.js - the UI's entry: the router (views by location.hash: #/,
// #/ns/ID, #/users, #/pids, #/containers, #/feed), the connection
// indicator, the event feed panel (pause, filters), and re-rendering the
// current view when the model changes (at most every RENDER_MS, so a
// burst of events costs one render).

import { h, nsLink, fmtTime } from './dom.js';
import { Store } from './model.js';
import { Live } from './live.js';
import { NamespacesView, UsersView, PidsView, NsView, ContainersView } from './views.js';

const RENDER_MS = 150;
const FEED_MAX = 1000;
const FEED_KINDS = ['create', 'destroy', 'switch', 'sync', 'lost', 'container', 'resync', 'disconnect'];

const store = new Store();
const live = new Live(store);
const $ = id => document.getElementById(id);

// ------------------------------------------------------------ router

let view = null, viewKey = '';

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const m = hash.match(/^\/ns\/(\d+)$/);
  let key = hash, make;
  if (m) make = () => new NsView(store, Number(m[1]));
  else if (hash === '/users') make = () => new UsersView(store);
  else if (hash === '/pids') make = () => new PidsView(store);
  else if (hash === '/containers') make = () => new ContainersView(store);
  else if (hash === '/feed') make = () => null;
  else { key = '/'; make = () => new NamespacesView(store); }
  const name = key === '/' ? 'namespaces' : key.split('/')[1] === 'ns' ? 'ns' : key.split('/')[1];
  for (const a of document.querySelectorAll('nav a[data-view]'))
    a.toggleAttribute('aria-current', a.dataset.view === name) && a.setAttribute('aria-current', 'page');
  document.body.dataset.view = name;
  document.body.classList.toggle('feed-full', name === 'feed');
  $('feed').classList.toggle('full', name === 'feed');
  if (key === viewKey) return;
  viewKey = key;
  view = make();
  $('view').replaceChildren(...(view ? [view.el] : []));
  if (view) view.update();
  $('view').focus({ preventScroll: true });
}

// at most every RENDER_MS, and never more than a third of the time: a
// render that takes long (thousands of namespaces, a slow machine) spaces
// the next one out rather than keep the page busy
let renderTimer = null, lastRender = 0, renderGap = RENDER_MS;

function render() {
  if (renderTimer) return;
  const wait = Math.max(0, lastRender + renderGap - Date.now());
  renderTimer = setTimeout(() => {
    renderTimer = null;
    const t0 = performance.now();
    if (view) view.update();
    lastRender = Date.now();
    renderGap = Math.max(RENDER_MS, 3 * (performance.now() - t0));
    document.body.dataset.seq = store.seq;
    document.body.dataset.docSeq = store.docSeq;
    showState();
    if (store.host && store.host.hostname) $('host').textContent = store.host.hostname;
  }, wait);
}

// ------------------------------------------------------------ connection

const STATE_TEXT = { live: 'live', connecting: 'connecting', down: 'disconnected', resync: 'resync',
                     auth: 'token needed' };

function showState() {
  const c = $('conn');
  c.dataset.state = live.state;
  c.dataset.lastId = live.lastId;
  c.textContent = STATE_TEXT[live.state] || live.state;
  c.title = `${live.why || ''} (last event ${live.lastId})`.trim();
}

function banner(text) {
  const b = $('banner');
  b.textContent = text || '';
  b.hidden = !text;
}

// ------------------------------------------------------------ feed

// Every event and note seen (bounded), for re-filtering; lines are added
// in batches (a churning host sends thousands a second), newest first.
const feed = { paused: false, pausedAt: 0, kinds: new Set(FEED_KINDS), q: '', all: [], queue: [], timer: null };

function feedText(e) {
  switch (e.event) {
  case 'create': return `${e.ns.type} ${e.ns.id} by ${e.pid ?? '?'} ${e.comm || ''} via ${e.via}`;
  case 'destroy': return `${e.ns.type} ${e.ns.id} via ${e.via}${e.pid ? ` (pid ${e.pid})` : ''}`;
  case 'switch': return `${e.pid} ${e.comm || ''} via ${e.via}: ` +
    (e.changes || []).map(c => `${c.type} ${c.from}\u2192${c.to}`).join(', ');
  case 'sync': return `${e.reason}: ${e.namespaces} namespaces, corrected +${(e.corrected || {}).created || 0}/-${(e.corrected || {}).destroyed || 0}`;
  case 'lost': return `${e.count} events lost`;
  case 'container': return `${e.action} ${(e.container || {}).name || ''} (${(e.container || {}).engine || ''})`;
  default: return e.text || '';
  }
}

function feedItem(e) {
  const ns = e.ns && e.ns.id;
  return h('li', { data: { kind: e.event, seq: e.seq, ns, pid: e.pid, at: e.at },
                   class: e.seq === undefined ? 'mark' : null },
    h('span', { class: 'muted' }, fmtTime(e.time || new Date(e.at).toISOString())), ' ',
    h('span', { class: 'muted' }, e.seq !== undefined ? `#${e.seq}` : '\u2014'), ' ',
    h('span', { class: `k k-${e.event}` }, e.event), ' ',
    e.event === 'create' ? [nsLink(ns, e.ns.type), ' '] : null,
    feedText(e));
}

function feedPasses(e) {
  if (!feed.kinds.has(e.event)) return false;
  if (!feed.q) return true;
  return feedText(e).toLowerCase().includes(feed.q) || String(e.seq).includes(feed.q);
}

// The newest FEED_MAX of list that pass the filters, newest first.
function feedItems(list) {
  const out = [];
  for (let i = list.length - 1; i >= 0 && out.length < FEED_MAX; i--)
    if (feedPasses(list[i])) out.push(feedItem(list[i]));
  return out;
}

function feedFlush() {
  feed.timer = null;
  const body = $('feed-body');
  body.prepend(...feedItems(feed.queue));
  feed.queue = [];
  while (body.childElementCount > FEED_MAX) body.lastElementChild.remove();
}

function feedRecord(e) {
  e.at = Date.now();
  feed.all.push(e);
  if (feed.all.length > 5 * FEED_MAX) {
    const cut = feed.all.length - FEED_MAX;
    feed.all.splice(0, cut);
    feed.pausedAt = Math.max(0, feed.pausedAt - cut);
  }
  if (feed.paused) {
    $('feed-held').textContent = `${feed.all.length - feed.pausedAt} held`;
    return;
  }
  feed.queue.push(e);
  if (!feed.timer) feed.timer = setTimeout(feedFlush, renderGap);
}

function feedRefilter() {
  const upto = feed.paused ? feed.all.slice(0, feed.pausedAt) : feed.all;
  clearTimeout(feed.timer);
  feed.timer = null;
  feed.queue = [];
  $('feed-body').replaceChildren(...feedItems(upto));
}

function feedSetup() {
  const kinds = $('feed-kinds');
  for (const k of FEED_KINDS)
    kinds.append(h('button', { type: 'button', class: `chip k-${k}`, 'aria-pressed': 'true', data: { kind: k },
      onclick: ev => {
        const on = !feed.kinds.delete(k);
        if (on) feed.kinds.add(k);
        ev.currentTarget.setAttribute('aria-pressed', String(on));
        feedRefilter();
      } }, k));
  $('feed-pause').addEventListener('click', ev => {
    feed.paused = !feed.paused;
    feed.pausedAt = feed.all.length;
    ev.currentTarget.setAttribute('aria-pressed', String(feed.paused));
    ev.currentTarget.textContent = feed.paused ? 'Resume' : 'Pause';
    if (!feed.paused) {
      $('feed-held').textContent = '';
      feedRefilter();
    }
  });
  $('feed-filter').addEventListener('input', ev => {
    feed.q = ev.currentTarget.value.trim().toLowerCase();
    feedRefilter();
  });
  $('feed-clear').addEventListener('click', () => {
    feed.all = [];
    feed.pausedAt = 0;
    $('feed-held').textContent = '';
    feedRefilter();
  });
  $('feed-toggle').addEventListener('click', ev => {
    const open = $('feed').classList.toggle('collapsed');
    ev.currentTarget.setAttribute('aria-expanded', String(!open));
  });
}

// ------------------------------------------------------------ start

store.addEventListener('change', render);
live.addEventListener('state', showState);
live.addEventListener('event', ev => feedRecord(ev.detail));
live.addEventListener('note', ev => {
  const { kind, text } = ev.detail;
  feedRecord({ event: kind, text });
  if (kind === 'lost' || kind === 'resync') banner(`${text} \u2026`);
});
live.addEventListener('reread', () => {
  if ($('banner').hidden) return;
  banner(`re-read at seq ${store.docSeq}`);
  setTimeout(() => banner(''), 3000);
});
window.addEventListener('hashchange', route);
feedSetup();
route();
live.reload();
