// dom.js - DOM building for the UI without innerHTML: every string that
// came from the API (commands, paths, labels: untrusted) ends up in a text
// node or an attribute value, never parsed as markup.

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'data') {
      for (const [dk, dv] of Object.entries(v))
        if (dv !== undefined && dv !== null) el.dataset[dk] = String(dv);
    } else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, kids);
  return el;
}

// Replaces el's children with kids (nested arrays and nulls as h() takes them).
export function fill(el, ...kids) {
  el.replaceChildren();
  add(el, kids);
  return el;
}

function add(el, kids) {
  for (const k of kids) {
    if (k === undefined || k === null || k === false) continue;
    if (Array.isArray(k)) add(el, k);
    else el.append(k instanceof Node ? k : String(k));
  }
}

export const typeBadge = t => h('span', { class: `type type-${t}` }, t);

// A link to a namespace's page: its type and id.
export function nsLink(id, type) {
  if (!id) return h('span', { class: 'muted' }, '-');
  return h('a', { href: `#/ns/${id}`, class: 'id', data: { ns: id } },
           type ? [typeBadge(type), ' '] : null, String(id));
}

// A command line for display (an empty one: the comm in brackets, as ps).
export function cmdText(p) {
  if (!p) return '';
  if (p.cmdline && p.cmdline.length) return p.cmdline.join(' ');
  return p.comm ? `[${p.comm}]` : '';
}

export function fmtTime(iso) {
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleTimeString(undefined, { hour12: false }) +
    '.' + String(d.getMilliseconds()).padStart(3, '0');
}
