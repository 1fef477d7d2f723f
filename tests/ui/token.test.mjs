// token.test.mjs - nsmon serve's web UI against a server started with
// --token-file (tests/integration/t_serve_ui.sh, test_serve_ui_token):
// the page asks for the token and shows no data without it; a wrong one
// is refused (an error line, still no data); the right one gives the
// table (rows == /api/namespaces' count, read by this test with the
// token) and the stream, which carries the header too: a namespace made
// now appears without a reload.  The token is in sessionStorage and in
// no URL, not in localStorage, not in a cookie.  Environment:
//   NSMON_URL, NSMON_TOKEN  the server and its token
//   UI_SHOTS, UI_PIDS, UI_DIR  as for ui.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, readlinkSync, mkdirSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { WAIT, rowsMatch } from './lib.mjs';

const env = name => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run tests/integration/t_serve_ui.sh)`);
  return v;
};
const URL = env('NSMON_URL');
const TOKEN = env('NSMON_TOKEN');
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const SHOTS = env('UI_SHOTS');
const PIDS = env('UI_PIDS');

let browser, page;
const procs = [];
const urls = [];          // every URL the page asked for
const pageErrors = [];
const sleep = ms => new Promise(r => setTimeout(r, ms));
const nsOf = (pid, type) => Number(readlinkSync(`/proc/${pid}/ns/${type}`).match(/\[(\d+)\]/)[1]);

async function until(what, fn) {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir: `${env('UI_DIR')}/profile-token`,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  appendFileSync(PIDS, `${browser.process().pid}\n`);
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 760 });
  page.on('pageerror', e => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', m => {
    if (/Content Security Policy|Refused to/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
  page.on('request', r => urls.push(r.url()));
  await page.goto(`${URL}/`, { waitUntil: 'load' });
  await page.evaluate(() => { window.nsmonTestMark = 42; });
});

after(async () => {
  for (const p of procs) {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
  if (browser) await browser.close();
});

// what the page shows of the host: the table's rows (none before a token)
const shown = () => page.evaluate(() => ({
  rows: document.querySelectorAll('#ns-table tbody tr').length,
  seq: Number(document.querySelector('#ns-table')?.dataset.seq || 0),
  main: getComputedStyle(document.querySelector('main')).display,
}));

async function submit(token) {
  await page.$eval('#token-input', el => { el.value = ''; });
  await page.type('#token-input', token);
  await page.click('#token-form button[type="submit"]');
}

// The page's own SSE parser (sse.js, as served), fed a stream cut into
// chunks of every size from 1 byte to all of it: a frame split over
// chunks (a UTF-8 character and a CRLF too), several frames in one;
// comments skipped; no frame after the reader is closed.
test('the SSE reader: frames split over chunks, several in one', async () => {
  const text = ': ping\n\nid: 1\nevent: create\ndata: {"comm":"\u00e9\u6f22"}\n\n' +
    'id: 2\r\nevent: destroy\r\ndata: x\r\ndata: y\r\n\r\n: c\nevent: shutdown\ndata: {}\n\n';
  const want = [{ type: 'create', data: '{"comm":"\u00e9\u6f22"}', lastEventId: '1' },
    { type: 'destroy', data: 'x\ny', lastEventId: '2' }, { type: 'shutdown', data: '{}', lastEventId: '2' }];
  const got = await page.evaluate(async t => {
    const { Parser } = await import('/sse.js');
    const bytes = new TextEncoder().encode(t), runs = [];
    for (let size = 1; size <= bytes.length; size++) {
      const out = [], p = new Parser(f => out.push(f));
      for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size), () => true);
      runs.push(out);
    }
    const first = [], p = new Parser(f => first.push(f));
    p.push(bytes, () => first.length < 1);
    return { runs, first, n: bytes.length };
  }, text);
  assert.equal(got.runs.length, got.n);
  for (const [i, out] of got.runs.entries()) assert.deepEqual(out, want, `chunks of ${i + 1} bytes`);
  assert.deepEqual(got.first, want.slice(0, 1), 'closed after the first frame');
});

test('without a token: the form, no data', async () => {
  await page.waitForSelector('#token-form:not([hidden])', WAIT);
  await page.waitForSelector('#conn[data-state="auth"]', WAIT);
  // an accessible form: the input has its label, and has the focus
  const f = await page.evaluate(() => {
    const input = document.getElementById('token-input');
    return { type: input.type, label: input.labels[0]?.textContent,
      focused: document.activeElement === input,
      error: document.getElementById('token-error').hidden };
  });
  assert.deepEqual(f, { type: 'password', label: 'Token', focused: true, error: true });
  assert.deepEqual(await shown(), { rows: 0, seq: 0, main: 'none' });
  await page.screenshot({ path: `${SHOTS}/token.png` });
});

test('a wrong token: refused, said so, still no data', async () => {
  await submit(`${TOKEN}x`);
  await page.waitForSelector('#token-form:not([hidden]) #token-error:not([hidden])', WAIT);
  assert.match(await page.$eval('#token-error', e => e.textContent), /refused/);
  assert.equal(await page.$eval('#token-input', e => e.getAttribute('aria-invalid')), 'true');
  assert.deepEqual(await shown(), { rows: 0, seq: 0, main: 'none' });
  await page.screenshot({ path: `${SHOTS}/token-wrong.png` });
});

test('the right token: the table, and the stream with the header', async () => {
  await submit(TOKEN);
  await page.waitForSelector('#token-form[hidden]', WAIT);
  await page.waitForSelector('#conn[data-state="live"]', WAIT);
  const n = await rowsMatch(page, URL, AUTH);

  // made now: it comes in by the stream (no reload, no re-read needed)
  const own = nsOf(process.pid, 'net');
  const p = spawn('unshare', ['-n', 'sleep', '600'], { stdio: 'ignore' });
  appendFileSync(PIDS, `${p.pid}\n`);
  procs.push(p);
  const id = await until('unshare -n', () => {
    try { const x = nsOf(p.pid, 'net'); return x !== own && x; } catch { return 0; }
  });
  await page.waitForSelector(`#ns-table tr[data-id="${id}"][data-pid="${p.pid}"]`, WAIT);
  await page.waitForSelector(`#feed-body li[data-kind="create"][data-ns="${id}"]`, WAIT);
  p.kill('SIGKILL');
  await page.waitForSelector(`#ns-table tr[data-id="${id}"]`, { ...WAIT, hidden: true });
  assert.equal(await page.evaluate(() => window.nsmonTestMark), 42, 'the page was not reloaded');
  assert.ok(n > 0);
});

test('the token: in sessionStorage, in no URL, not in localStorage, not in a cookie', async () => {
  const where = await page.evaluate(() => ({
    session: Object.keys(sessionStorage).map(k => sessionStorage.getItem(k)),
    local: Object.keys(localStorage).map(k => localStorage.getItem(k)).join('\n'),
    cookie: document.cookie,
    href: location.href,
  }));
  assert.deepEqual(where.session, [TOKEN]);
  assert.ok(!where.local.includes(TOKEN), 'not in localStorage');
  assert.ok(!where.cookie.includes(TOKEN), 'not in document.cookie');
  assert.ok(!where.href.includes(TOKEN), 'not in the page\'s URL');
  assert.ok(urls.some(u => u.includes('/api/events?last_event_id=')), 'the stream was asked for');
  assert.deepEqual(urls.filter(u => u.includes(TOKEN)), [], 'in no URL asked for');
  assert.equal((await browser.cookies()).filter(c => c.value.includes(TOKEN)).length, 0, 'no cookie has it');
  assert.deepEqual(pageErrors, []);
});
