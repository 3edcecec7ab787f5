// Element detection (a body after prelude.js): the elements a user sees and can use or read —
// native controls, ARIA widgets, images, headings, and "div buttons" (a pointer cursor, an
// `onclick` attribute or a `tabindex` marks them) — visible and not covered by something else
// (hit-tested at their centre, so paint order decides). Inside a control, its parts are not
// elements of their own. Returns the elements; what the caller needs to name and locate each
// one stays in this world as `window.__panoptic_ai` (the page's own scripts cannot see it).
const ROLES = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'menuitemcheckbox',
  'menuitemradio', 'option', 'textbox', 'searchbox', 'combobox', 'listbox', 'slider', 'spinbutton', 'treeitem',
  'heading', 'img']);
const FIELDS = new Set(['INPUT', 'SELECT', 'TEXTAREA']);
const ITEMS = new Set(['option', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'tab', 'treeitem']);
const roleAttr = (el) => (el.getAttribute('role') || '').trim().split(/\s+/)[0].toLowerCase();
const heading = (el) => /^H[1-6]$/.test(el.tagName);
const up = (n) => n.parentElement || (n.getRootNode().host || null);
// Something to use: native controls, widget roles, and elements scripts made clickable.
const control = (el) => {
  switch (el.tagName) {
    case 'A': return el.hasAttribute('href');
    case 'BUTTON': case 'SELECT': case 'TEXTAREA': case 'SUMMARY': return true;
    case 'INPUT': return el.type !== 'hidden';
  }
  const r = roleAttr(el);
  if (ROLES.has(r)) return r !== 'heading' && r !== 'img';
  if (el.isContentEditable) return !(el.parentElement && el.parentElement.isContentEditable);
  return hinted(el);
};
const pointer = (el) => styleOf(el).cursor === 'pointer';
// A script's click target: the outermost element of a pointer-cursor region with no native
// control inside, or an element with an `onclick` attribute or a `tabindex`.
const hinted = (el) => {
  if (el.tagName === 'LABEL' || el.tagName === 'BODY' || el.tagName === 'HTML') return false;
  if (el.hasAttribute('onclick') || (el.hasAttribute('tabindex') && el.tabIndex >= 0)) return true;
  if (!pointer(el)) return false;
  const p = up(el);
  if (p && pointer(p)) return false;
  return !el.querySelector('a[href], button, input, select, textarea');
};
// Something to read: headings, and images that are not decoration (`alt=""`).
const informative = (el) => (el.tagName === 'IMG' && el.getAttribute('alt') !== '') || heading(el) || roleAttr(el) === 'heading' || roleAttr(el) === 'img';
// Is the centre of `el` painted by `el` (or by something inside it, or its label)? Outside the
// viewport nothing can be hit-tested: such an element counts as not covered.
const reachable = (el) => {
  const r = el.getBoundingClientRect();
  const view = el.ownerDocument.defaultView || window;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x >= view.innerWidth || y >= view.innerHeight) return true;
  let hit = el.ownerDocument.elementFromPoint(x, y);
  while (hit && hit.shadowRoot) {
    const inner = hit.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === hit) break;
    hit = inner;
  }
  if (!hit) return true;
  for (let n = hit; n; n = up(n)) if (n === el) return true;
  for (let h = el.getRootNode().host; h; h = h.getRootNode().host) if (h === hit) return true;
  return (hit.tagName === 'LABEL' && hit.control === el) || (el.tagName === 'LABEL' && el.control === hit);
};
// Text near a field with no label of its own: the closest text before it in its parent.
const near = (el) => {
  for (let n = el.previousSibling; n; n = n.previousSibling) {
    const t = norm(n.nodeType === 3 ? n.data : n.nodeType === 1 ? composed(n) : '');
    if (t) return t.slice(0, 80);
  }
  const p = up(el);
  return p && p !== el.ownerDocument.body ? norm(composed(p)).slice(0, 80) : '';
};
const forms = new Map();
const formOf = (el) => {
  const f = el.form || el.closest('form');
  if (!f) return null;
  if (!forms.has(f)) forms.set(f, forms.size);
  return forms.get(f);
};
const length = (n) => (typeof n === 'number' && n >= 0 ? n : null);
const found = [];
const data = [];
const MAX = 1000;
for (const el of els) {
  if (found.length >= MAX) break;
  const isControl = control(el);
  if (!isControl && !informative(el)) continue;
  // A part of a control (the icon in a button, the text in a link) is not one of its own; the
  // items of a list box, menu or tab list are.
  let inside = false;
  for (let n = up(el); n; n = up(n)) if (control(n)) { inside = true; break; }
  if (inside && !FIELDS.has(el.tagName) && !ITEMS.has(roleAttr(el))) continue;
  if (!visible(el) || !reachable(el)) continue;
  let frame = '';
  for (let f = frameOf.get(el.ownerDocument); f; f = frameOf.get(f.ownerDocument)) frame = 'frame=' + cssPath(f) + ' >> ' + frame;
  const attr = (a) => norm(el.getAttribute(a));
  const labels = el.labels ? Array.from(el.labels).map((l) => norm(composed(l))).filter(Boolean).join(' ') : '';
  found.push(el);
  data.push({
    tag: el.tagName.toLowerCase(),
    type: el.tagName === 'INPUT' ? (el.type || 'text') : '',
    role: roleAttr(el),
    hinted: !['A', 'BUTTON', 'SELECT', 'TEXTAREA', 'SUMMARY', 'INPUT'].includes(el.tagName) && !ROLES.has(roleAttr(el)) && !informative(el) && !el.isContentEditable,
    editable: el.isContentEditable,
    testid: attr('data-testid'),
    id: el.id || '',
    placeholder: attr('placeholder'),
    labels,
    aria: attr('aria-label'),
    alt: attr('alt'),
    title: attr('title'),
    text: textName(el).slice(0, 200),
    near: labels || attr('aria-label') ? '' : near(el),
    form: formOf(el),
    submit: (el.tagName === 'BUTTON' || el.tagName === 'INPUT') && (el.type === 'submit' || el.type === 'image') && !!el.form,
    required: !!el.required,
    name: el.getAttribute('name') || '',
    min: el.getAttribute('min') || '',
    max: el.getAttribute('max') || '',
    minlength: length(el.minLength),
    maxlength: length(el.maxLength),
    options: el.tagName === 'SELECT' ? Array.from(el.options).filter((o) => !o.disabled && o.value !== '').map((o) => o.value) : [],
    href: el.tagName === 'A' ? el.href : '',
    frame,
    path: cssPath(el),
  });
}
Object.defineProperty(window, '__panoptic_ai', { value: { els: found, data }, configurable: true, writable: true });
return found;
