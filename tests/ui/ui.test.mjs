// ui.test.mjs - nsmon serve's web UI in a real browser: Debian's chromium,
// headless, driven by puppeteer-core, run with `node --test` by
// tests/integration/t_serve_ui.sh, which starts the server (ASan build)
// and the mount namespace with a stacked mount, and passes:
//   NSMON_URL   the server, http://127.0.0.1:PORT
//   UI_SHOTS    where the screenshots go (build/ui-shots)
//   UI_PIDS     a file: every pid this test starts (the browser too), one
//               a line, so the shell's trap kills them whatever happens here
//   UI_DIR      a scratch directory (the browser's profile)
//   UI_MNTNS, UI_MNT_PATH, UI_MNT_LOWER, UI_MNT_UPPER  the stacked mount:
//               its namespace, path, and the hidden and the visible mount's id
//   UI_NOTE     a file for what was measured (printed under the result)
//   UI_BACKLOG  the server's --backlog (small: a resume can fall out of it)
//   UI_NSLOOP   scripts/nsloop.c, built by run.sh: many events, fast
//
// DOM assertions, not "the page loads": rows == /api/namespaces' count at
// the same seq; a namespace made now appears without a reload, highlighted,
// and goes when its process is killed; the feed has its create and its
// destroy; a user namespace nested 3 deep is at depth 3 of the user tree;
// the stacked mount's lower mount is marked hidden; a stream cut by the
// kernel (ss -K) is reopened from the last id, and when the backlog no
// longer reaches back to it, the resync is shown and a re-read follows.  No time limits as
// assertions: waits are bounded only so that a failure ends the test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, readlinkSync, mkdirSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { WAIT, rowsMatch } from './lib.mjs';

const env = name => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run tests/integration/t_serve_ui.sh)`);
  return v;
};
const URL = env('NSMON_URL');
const SHOTS = env('UI_SHOTS');
const PIDS = env('UI_PIDS');

let browser, page;
const procs = [];
const others = [];   // pids not our children (a forked grandchild)
const pageErrors = [];
const sleep = ms => new Promise(r => setTimeout(r, ms));

function note(line) {
  if (process.env.UI_NOTE) appendFileSync(process.env.UI_NOTE, line + '\n');
}

function start(argv) {
  const p = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  appendFileSync(PIDS, `${p.pid}\n`);
  procs.push(p);
  return p;
}

function stop(p) {
  return new Promise(res => {
    if (p.exitCode !== null || p.signalCode !== null) return res();
    p.once('exit', res);
    p.kill('SIGKILL');
  });
}

const nsOf = (pid, type) => Number(readlinkSync(`/proc/${pid}/ns/${type}`).match(/\[(\d+)\]/)[1]);

async function until(what, fn) {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function shot(name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

async function go(hash) {
  await page.evaluate(h => { location.hash = h; }, hash);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir: `${env('UI_DIR')}/profile`,
    // root here: chromium's sandbox needs an unprivileged user
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  appendFileSync(PIDS, `${browser.process().pid}\n`);
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 760 });
  page.on('pageerror', e => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', m => {
    // a Content-Security-Policy violation is reported on the console
    if (/Content Security Policy|Refused to/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
  await page.goto(`${URL}/`, { waitUntil: 'load' });
  await page.waitForSelector('#conn[data-state="live"]', WAIT);
  await page.waitForSelector('#ns-table[data-seq]', WAIT);
  // gone after a reload: proves every later change came without one
  await page.evaluate(() => { window.nsmonTestMark = 42; });
});

function kill(pid) {
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

after(async () => {
  for (const pid of others) kill(pid);
  for (const p of procs) await stop(p);
  if (browser) await browser.close();
});

const mark = () => page.evaluate(() => window.nsmonTestMark);

test('no script error, no Content-Security-Policy violation', () => {
  assert.deepEqual(pageErrors, []);
});

test('the table has a row per namespace of /api/namespaces', async () => {
  await rowsMatch(page, URL);
  // a server without --token-file: no token asked for
  assert.equal(await page.$eval('#token-form', f => f.hidden), true, 'no token form');
  await shot('namespaces');
});

test('a namespace made now appears, highlighted, without a reload, and goes when killed', async () => {
  const own = nsOf(process.pid, 'net');
  const t0 = Date.now();
  const p = start(['unshare', '-n', 'sleep', '600']);
  const id = await until('unshare -n', () => {
    try { const n = nsOf(p.pid, 'net'); return n !== own && n; } catch { return 0; }
  });
  // the feed filtered to this namespace: on a churning host its lines
  // would soon be pushed out of the feed's last 1,000
  const filter = v => page.$eval('#feed-filter', (el, x) => {
    el.value = x;
    el.dispatchEvent(new Event('input'));
  }, v);
  await filter(`net ${id} `);
  // cleared however this ends: the tests after it read the whole feed
  try {
    // an inode number comes back soon: the row and the line of our process
    const row = `#ns-table tr[data-id="${id}"][data-pid="${p.pid}"]`;
    await page.waitForSelector(row, WAIT);
    const shown = Date.now();
    const created = `#feed-body li[data-kind="create"][data-ns="${id}"][data-pid="${p.pid}"]`;
    await page.waitForSelector(created, WAIT);
    const got = await page.$eval(created, li => Number(li.dataset.at));
    note(`new net namespace: its create in the page ${got - t0} ms after unshare started, its row ${shown - t0} ms`);
    assert.equal(await page.$eval(row, r => r.classList.contains('fresh')), true, 'highlighted');
    assert.equal(await page.$eval(row, r => r.dataset.type), 'net');
    await page.evaluate(r => document.querySelector(r)?.scrollIntoView({ block: 'center' }), row);
    await shot('namespaces-new');
    await stop(p);
    await page.waitForSelector(`#ns-table tr[data-id="${id}"]`, { ...WAIT, hidden: true });
    assert.equal(await mark(), 42, 'the page was not reloaded');

    // the feed: its create, then its destroy (the first after the create)
    const cseq = await page.$eval(created, li => Number(li.dataset.seq));
    const dseq = await until('its destroy in the feed', () => page.$$eval(
      `#feed-body li[data-kind="destroy"][data-ns="${id}"]`,
      (l, c) => Math.min(...l.map(x => Number(x.dataset.seq)).filter(x => x > c)), cseq)
      .then(x => (Number.isFinite(x) ? x : 0)));
    assert.ok(dseq > cseq, 'the destroy after the create');
  } finally {
    await filter('');
  }
});

test('the user tree: a user namespace nested 3 deep is at depth 3, the tree works by keyboard', async () => {
  const p = start(['unshare', '-U', '-r', 'unshare', '-U', '-r', 'unshare', '-U', '-r', 'sleep', '600']);
  // unshare execs the next one in the same process: the last is sleep
  await until('the third unshare', () => {
    try { return readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; }
  });
  const id = nsOf(p.pid, 'user');
  await go('#/users');
  const sel = `li.userns[data-ns="${id}"]`;
  await page.waitForSelector(sel, WAIT);
  // one evaluate: the views re-render while the host makes namespaces, an
  // element handle kept across two calls may be a replaced one
  const it = await page.evaluate(s => {
    const li = document.querySelector(s), up = [];
    for (let x = li.parentElement.closest('li.userns'); x; x = x.parentElement.closest('li.userns'))
      up.push(Number(x.dataset.depth));
    return { depth: li.dataset.depth, level: li.getAttribute('aria-level'), up };
  }, sel);
  assert.equal(it.depth, '3');
  assert.equal(it.level, '4');
  assert.deepEqual(it.up, [2, 1, 0]);
  await shot('users');

  // keyboard: the root closes (Left) and opens (Right), Down goes on
  const root = 'ul[role="tree"] > li[role="treeitem"]';
  const now = (s, f) => page.evaluate(f, s);
  await now(root, r => document.querySelector(r).focus());
  await page.keyboard.press('ArrowLeft');
  assert.equal(await now(root, r => document.querySelector(r).getAttribute('aria-expanded')), 'false');
  assert.equal(await now(sel, s => document.querySelector(s).offsetParent === null), true, 'closed with the root');
  await page.keyboard.press('ArrowRight');
  assert.equal(await now(root, r => document.querySelector(r).getAttribute('aria-expanded')), 'true');
  await page.keyboard.press('ArrowDown');
  assert.equal(await now(root, r => document.activeElement === document.querySelector(r).querySelector('li[role="treeitem"]')), true);

  // its page: the ancestors as breadcrumbs, outermost first
  await go(`#/ns/${id}`);
  await page.waitForSelector(`section.detail[data-ns="${id}"] nav.crumbs`, WAIT);
  const crumbs = await page.$$eval('nav.crumbs a', l => l.map(a => Number(a.dataset.ns)));
  assert.equal(crumbs.length, 3);
  await shot('detail-user');
  await stop(p);
});

test('the PID tree: a PID namespace under the initial one, its process with its PID on each level', async () => {
  const p = start(['unshare', '-p', '-f', 'sleep', '600']);
  // the sleep: unshare's child, PID 1 of the new namespace
  const child = await until('unshare -p -f to fork', () => {
    try {
      const c = readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim();
      return c && Number(c.split(' ')[0]);
    } catch { return 0; }
  });
  appendFileSync(PIDS, `${child}\n`);
  others.push(child);
  const id = nsOf(child, 'pid');
  await go('#/pids');
  const sel = `li[data-ns="${id}"][data-depth="1"]`;
  await page.waitForSelector(sel, WAIT);
  // processes come with the next document the page reads
  const it = `${sel} li[data-pid="${child}"] .nspids`;
  await page.waitForSelector(it, WAIT);
  const pids = await page.evaluate(s => document.querySelector(s).textContent, it);
  assert.deepEqual(pids.split(' \u203a '), [String(child), '1']);
  await shot('pids');
  kill(child);
  await stop(p);
});

test('a mount namespace\'s page marks the over-mounted mount hidden', async () => {
  const ns = env('UI_MNTNS'), path = env('UI_MNT_PATH');
  const lower = env('UI_MNT_LOWER'), upper = env('UI_MNT_UPPER');
  await go(`#/ns/${ns}`);
  const sel = `li.mount[data-path="${path}"]`;
  await page.waitForFunction(s => document.querySelectorAll(s).length === 2, WAIT, sel);
  const m = await page.$$eval(sel, l => l.map(li => ({
    id: li.dataset.mountId, hidden: li.dataset.hidden, cls: li.classList.contains('hidden'),
    badge: !!li.querySelector(':scope > .row .badge.hidden') })));
  assert.deepEqual(m.find(x => x.id === lower), { id: lower, hidden: 'true', cls: true, badge: true });
  assert.deepEqual(m.find(x => x.id === upper), { id: upper, hidden: 'false', cls: false, badge: false });
  await page.$eval(sel, li => li.scrollIntoView());
  await shot('mounts');
});

test('containers and the event feed have their views', async () => {
  await go('#/containers');
  await page.waitForSelector('body[data-view="containers"] main h1', WAIT);
  await shot('containers');
  await go('#/feed');
  await page.waitForSelector('#feed.full #feed-body li', WAIT);
  await shot('feed');
  // pause holds new lines back, resume shows them
  await page.click('#feed-pause');
  assert.equal(await page.$eval('#feed-pause', b => b.getAttribute('aria-pressed')), 'true');
  const own = nsOf(process.pid, 'net');
  const p = start(['unshare', '-n', 'sleep', '600']);
  const id = await until('unshare -n', () => {
    try { const n = nsOf(p.pid, 'net'); return n !== own && n; } catch { return 0; }
  });
  // the server's model has it: once the page is at that seq, it got the create
  const seq = await until('the namespace in the API', async () => {
    const r = await fetch(`${URL}/api/namespaces/${id}`);
    return r.ok && (await r.json()).seq;
  });
  await page.waitForFunction(q => Number(document.body.dataset.seq) >= q, WAIT, seq);
  // (an inode number comes back: the pid tells ours)
  const line = `#feed-body li[data-kind="create"][data-ns="${id}"][data-pid="${p.pid}"]`;
  try {
    assert.equal(await page.$(line), null, 'held back while paused');
    assert.match(await page.$eval('#feed-held', x => x.textContent), /^\d+ held$/);
  } finally {
    await page.click('#feed-pause');
  }
  await page.waitForSelector(line, WAIT);
  await stop(p);
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
  await go('#/');
  await page.waitForSelector('body[data-view="namespaces"] #ns-table', WAIT);
  await shot('namespaces-dark');
  assert.equal(await mark(), 42, 'the page was not reloaded');
  assert.deepEqual(pageErrors, []);
});

test('a cut stream: disconnected, reopened from its last id; out of the backlog: resync shown, then a re-read', async () => {
  const port = new globalThis.URL(URL).port, backlog = Number(env('UI_BACKLOG'));
  await go('#/');
  await page.waitForSelector('#conn[data-state="live"]', WAIT);
  // the page's reconnection is held back until the backlog has moved on
  const held = [];
  let holding = true;
  await page.setRequestInterception(true);
  const onRequest = r => (holding && r.url().includes('/api/events') ? held.push(r) : r.continue());
  page.on('request', onRequest);
  try {
    // the kernel ends the server's side of the stream: a network failure
    execFileSync('ss', ['-K', '-tn', 'state', 'established', `( sport = :${port} )`]);
    await page.waitForSelector('#conn[data-state="down"]', WAIT);
    // said in the feed now: the flood below may push the line out of it
    await page.waitForSelector('#feed-body li[data-kind="disconnect"]', WAIT);
    // the last id the page got: nothing comes after the cut
    const before = Number(await page.$eval('#conn', c => c.dataset.lastId));
    await until('the reconnection', () => held.length > 0);
    assert.match(held[0].url(), new RegExp(`last_event_id=${before}$`), 'resumes from its last id');
    // more events than the backlog holds: net namespaces made and gone
    // nsloop -u RATE 1: threads that unshare uts RATE times in a second
    // (each: a create, a switch, a destroy)
    const want = before + backlog + 10;
    await until(`the server past seq ${want}`, async () => {
      execFileSync(env('UI_NSLOOP'), ['-u', String(Math.ceil(backlog / 2)), '1'], { stdio: 'ignore' });
      return (await (await fetch(`${URL}/api/namespaces?type=time`)).json()).seq > want;
    });
    holding = false;
    for (const r of held) r.continue();
    await page.waitForSelector('#feed-body li[data-kind="resync"]', WAIT);
    await page.waitForSelector('#conn[data-state="live"]', WAIT);
    await page.waitForFunction(w => Number(document.body.dataset.docSeq) > w, WAIT, want);
    await shot('resync');
  } finally {
    holding = false;
    for (const r of held) if (!r.isInterceptResolutionHandled()) r.continue().catch(() => {});
    page.off('request', onRequest);
    await page.setRequestInterception(false);
  }
  assert.equal(await mark(), 42, 'the page was not reloaded');
  await rowsMatch(page, URL);
  assert.deepEqual(pageErrors, []);
});
