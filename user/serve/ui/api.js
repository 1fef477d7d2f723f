// api.js - every request of the UI to the API, and the token of a server
// started with --token-file: each request carries `Authorization: Bearer
// TOKEN` once one is known.  The token is kept in sessionStorage (this tab
// only, gone with it): not localStorage (it would outlive the tab), not a
// cookie (the browser would send it on its own, also for other pages'
// requests), never in a URL (history, logs, Referer).  A 401 means it is
// missing or wrong: the page's token form asks for it (index.html
// #token-form), with an error line when the one given was refused.

const KEY = 'nsmon.token';

// Thrown by apiFetch on a 401: wait for needToken(), then try again.
export class Unauthorized extends Error {
  constructor(url) {
    super(`${url}: 401, a token is needed`);
    this.name = 'Unauthorized';
  }
}

function token() {
  try {
    return sessionStorage.getItem(KEY) || '';
  } catch {
    return '';    // storage off: asked again on each 401
  }
}

// a token the server refused: forgotten, and said in the form
let refused = false;

// fetch(url) with the token's header, if there is one, and no cache.
export async function apiFetch(url, init = {}) {
  const t = token(), headers = new Headers(init.headers);
  if (t) headers.set('Authorization', `Bearer ${t}`);
  const r = await fetch(url, { cache: 'no-store', ...init, headers });
  if (r.status === 401) {
    if (t && token() === t) {
      sessionStorage.removeItem(KEY);
      refused = true;
    }
    throw new Unauthorized(url);
  }
  return r;
}

// ------------------------------------------------------------ the form

let asked = null;    // the promise of the token being asked for, once at a time
const $ = id => document.getElementById(id);

// Shows the token form (once, however many requests got a 401) and
// resolves when a token has been given; the page's data stays hidden
// until then.
export function needToken() {
  if (asked) return asked;
  asked = new Promise(resolve => {
    const form = $('token-form'), input = $('token-input'), err = $('token-error');
    err.textContent = refused ? 'The server refused this token.' : '';
    err.hidden = !refused;
    input.setAttribute('aria-invalid', String(refused));
    document.body.classList.add('locked');
    form.hidden = false;
    input.focus();
    form.onsubmit = ev => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      try {
        sessionStorage.setItem(KEY, t);
      } catch {
        err.textContent = 'This browser keeps no session storage: the token cannot be kept.';
        err.hidden = false;
        return;
      }
      input.value = '';
      refused = false;
      form.hidden = true;
      form.onsubmit = null;
      document.body.classList.remove('locked');
      asked = null;
      resolve();
    };
  });
  return asked;
}
