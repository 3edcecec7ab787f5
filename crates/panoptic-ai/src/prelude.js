// Shared by panoptic-ai's page scripts (prepended to each body, all inside one
// `(html) => { … }` run on the document element in panoptic's isolated world): every element
// of the page through open shadow roots and same-origin frames, and how to name and locate one.
const doc = html.ownerDocument;
const els = [];
// The frame element of each same-origin frame document walked (cross-origin ones are not ours
// to read from here).
const frameOf = new Map();
const walk = (root) => {
  for (const el of root.children) {
    els.push(el);
    if (el.shadowRoot) walk(el.shadowRoot);
    if (el.tagName === 'IFRAME' || el.tagName === 'FRAME') {
      let d = null;
      try { d = el.contentDocument; } catch (e) { d = null; }
      if (d && d.documentElement) { frameOf.set(d, el); walk(d); }
    }
    walk(el);
  }
};
walk(doc);
const styleOf = (n) => (n.ownerDocument.defaultView || window).getComputedStyle(n);
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
const visible = (el) => {
  const r = el.getBoundingClientRect();
  if (r.width <= 0 || r.height <= 0) return false;
  return el.checkVisibility ? el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) : true;
};
const hiddenFromAT = (el) => !!el.closest('[aria-hidden="true"]');
// A locator panoptic can use: a unique id, a test id, else a CSS path (`>` steps; a shadow
// host's path, then a descendant step into its tree, which panoptic's CSS follows).
const cssPath = (el) => {
  const steps = [];
  for (let n = el; n && n.nodeType === 1; ) {
    const root = n.getRootNode();
    const id = n.id && root.querySelectorAll ? root.querySelectorAll('#' + CSS.escape(n.id)).length === 1 : false;
    if (id) { steps.unshift({ s: '#' + CSS.escape(n.id), host: false }); break; }
    const p = n.parentElement;
    let s = n.tagName.toLowerCase();
    const siblings = p ? Array.from(p.children) : Array.from(root.children || []);
    const same = siblings.filter((c) => c.tagName === n.tagName);
    if (same.length > 1) s += ':nth-of-type(' + (same.indexOf(n) + 1) + ')';
    steps.unshift({ s, host: false });
    if (p) { n = p; continue; }
    if (root.host) { steps[0].host = true; n = root.host; continue; }
    break;
  }
  let path = '';
  steps.forEach((st, i) => { path += (i === 0 ? '' : (steps[i].host ? ' ' : ' > ')) + st.s; });
  return path;
};
// Inside a frame: `frame=<the frame's path> >> …`, once per frame on the way up.
const locatorOf = (el) => {
  const t = el.getAttribute('data-testid');
  let loc = t ? 'testid=' + t : cssPath(el);
  for (let f = frameOf.get(el.ownerDocument); f; f = frameOf.get(f.ownerDocument)) loc = 'frame=' + cssPath(f) + ' >> ' + loc;
  return loc;
};
const describe = (el) => {
  let s = '<' + el.tagName.toLowerCase();
  for (const a of ['id', 'name', 'type', 'src', 'href']) if (el.hasAttribute(a)) s += ' ' + a + '="' + el.getAttribute(a).slice(0, 80) + '"';
  return s + '>';
};
const byIds = (el, attr) => {
  const ids = (el.getAttribute(attr) || '').split(/\s+/).filter(Boolean);
  const root = el.getRootNode();
  return ids.map((id) => (root.getElementById ? root.getElementById(id) : doc.getElementById(id))).filter(Boolean).map((n) => n.textContent).join(' ');
};
const ariaName = (el) => norm(el.getAttribute('aria-label')) || norm(byIds(el, 'aria-labelledby')) || norm(el.getAttribute('title'));
// Text as rendered: through a host's shadow tree and its slots' assigned content.
const composed = (node) => {
  if (node.nodeType === 3) return node.data;
  if (node.nodeType !== 1 && node.nodeType !== 11) return '';
  if (node.nodeType === 1 && ['SCRIPT', 'STYLE', 'TEMPLATE'].includes(node.tagName)) return '';
  if (node.nodeType === 1 && node.tagName === 'IMG') return ' ' + (node.getAttribute('alt') || '') + ' ';
  let kids = node.nodeType === 1 && node.shadowRoot ? node.shadowRoot.childNodes : node.childNodes;
  if (node.tagName === 'SLOT') {
    const assigned = node.assignedNodes({ flatten: true });
    if (assigned.length) kids = assigned;
  }
  let t = '';
  for (const k of kids) t += composed(k);
  return t;
};
const textName = (el) => norm(composed(el));
