// tree.js - a tree view after the WAI-ARIA tree pattern: role tree,
// treeitem, group; one item in the tab order (roving tabindex); Up/Down
// move through the visible items, Right opens or goes to the first child,
// Left closes or goes to the parent, Home/End, Enter follows the item's
// link, * opens the siblings.  Re-rendering with new data keeps what was
// opened or closed by hand and the focused item.
//
// A node: { key, label: Node|[Node], children: [node], open: default
// openness, cls, data: {dataset}, fresh: when it came (a highlight that
// fades from then on) }; aria-level comes from the depth.

import { h } from './dom.js';

export class Tree {
  constructor(label) {
    this.opened = new Map();   // key -> true/false, set by the user
    this.focusKey = null;
    this.el = h('ul', { role: 'tree', 'aria-label': label,
                        onkeydown: e => this.key(e), onclick: e => this.click(e),
                        onfocusin: e => this.focusin(e) });
  }

  render(nodes) {
    const hadFocus = this.el.contains(document.activeElement);
    this.el.replaceChildren(...nodes.map(n => this.item(n, 1)));
    let cur = this.focusKey !== null &&
      this.el.querySelector(`li[data-key="${CSS.escape(this.focusKey)}"]`);
    if (!cur) cur = this.el.querySelector('li[role="treeitem"]');
    if (!cur) return;
    cur.tabIndex = 0;
    if (hadFocus) cur.focus({ preventScroll: true });
  }

  item(n, level) {
    const kids = n.children || [];
    const open = kids.length ? (this.opened.get(n.key) ?? !!n.open) : null;
    const row = h('div', { class: 'row' },
                  h('span', { class: 'tw', 'aria-hidden': 'true' }), n.label);
    // one tab stop for the whole tree: links are reached by Enter
    for (const a of row.querySelectorAll('a')) a.tabIndex = -1;
    // CSSOM, which the Content-Security-Policy allows (a style attribute not)
    if (n.fresh) row.style.animationDelay = `${n.fresh - Date.now()}ms`;
    const li = h('li', { role: 'treeitem', 'aria-level': level, tabindex: -1,
                         'aria-expanded': open === null ? null : String(open),
                         class: [n.cls, n.fresh ? 'fresh' : null].filter(Boolean).join(' ') || null,
                         data: { key: n.key, ...(n.data || {}) } },
                 row);
    if (kids.length)
      li.append(h('ul', { role: 'group' }, kids.map(k => this.item(k, level + 1))));
    return li;
  }

  visible() {
    return [...this.el.querySelectorAll('li[role="treeitem"]')]
      .filter(li => !li.parentElement.closest('li[aria-expanded="false"]'));
  }

  toggle(li, open) {
    if (!li.hasAttribute('aria-expanded')) return false;
    const now = li.getAttribute('aria-expanded') === 'true';
    if (open === undefined) open = !now;
    li.setAttribute('aria-expanded', String(open));
    this.opened.set(li.dataset.key, open);
    return now !== open;
  }

  move(li) {
    if (!li) return;
    for (const x of this.el.querySelectorAll('li[tabindex="0"]')) x.tabIndex = -1;
    li.tabIndex = 0;
    li.focus();
  }

  focusin(e) {
    const li = e.target.closest('li[role="treeitem"]');
    if (li && this.el.contains(li)) this.focusKey = li.dataset.key;
  }

  click(e) {
    const li = e.target.closest('li[role="treeitem"]');
    if (!li) return;
    if (e.target.classList.contains('tw')) this.toggle(li);
    if (!e.target.closest('a')) this.move(li);
  }

  key(e) {
    const li = e.target.closest('li[role="treeitem"]');
    if (!li || e.altKey || e.ctrlKey || e.metaKey) return;
    const vis = this.visible(), i = vis.indexOf(li);
    const parent = li.parentElement.closest('li[role="treeitem"]');
    switch (e.key) {
    case 'ArrowDown': this.move(vis[i + 1]); break;
    case 'ArrowUp': this.move(vis[i - 1]); break;
    case 'Home': this.move(vis[0]); break;
    case 'End': this.move(vis[vis.length - 1]); break;
    case 'ArrowRight':
      if (!this.toggle(li, true) && li.getAttribute('aria-expanded') === 'true')
        this.move(li.querySelector('li[role="treeitem"]'));
      break;
    case 'ArrowLeft':
      if (!this.toggle(li, false)) this.move(parent);
      break;
    case 'Enter': {
      const a = li.querySelector(':scope > .row a');
      if (a) a.click(); else this.toggle(li);
      break;
    }
    case '*':
      for (const s of li.parentElement.children) this.toggle(s, true);
      break;
    default:
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  }
}
