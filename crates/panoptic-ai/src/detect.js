// smart_error_detection's look at the DOM, run on the document element in panoptic's isolated
// world: broken images, images without alt text, unlabeled fields, nameless buttons and links,
// text with too little contrast. Open shadow roots and same-origin frames are walked. Returns
// [{ rule, impact, message, locator }].
(html) => {
  const doc = html.ownerDocument;
  const out = [];
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
  const add = (rule, impact, el, message) => out.push({ rule, impact, message: message + ': ' + describe(el), locator: locatorOf(el) });
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
  const presentational = (el) => ['presentation', 'none'].includes((el.getAttribute('role') || '').toLowerCase());
  for (const el of els) {
    const tag = el.tagName;
    if (tag === 'IMG') {
      if (el.getAttribute('src') && el.complete && el.naturalWidth === 0) add('broken_image', 'serious', el, 'image did not load');
      else if (visible(el) && !hiddenFromAT(el) && !el.hasAttribute('alt') && !presentational(el) && !ariaName(el)) add('image_alt', 'critical', el, 'image has no alt text');
      continue;
    }
    if (!visible(el) || hiddenFromAT(el)) continue;
    const type = (el.getAttribute('type') || '').toLowerCase();
    if ((tag === 'INPUT' && !['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) || tag === 'SELECT' || tag === 'TEXTAREA') {
      const labels = el.labels ? Array.from(el.labels).map((l) => norm(composed(l))).join('') : '';
      if (!labels && !ariaName(el) && !norm(el.getAttribute('placeholder'))) add('label', 'critical', el, 'field has no label');
    } else if (tag === 'BUTTON' || (tag === 'INPUT' && ['submit', 'button', 'reset'].includes(type)) || (el.getAttribute('role') || '') === 'button') {
      const name = ariaName(el) || (tag === 'INPUT' ? norm(el.value) || (type === 'submit' || type === 'reset' ? type : '') : textName(el));
      if (!name) add('button_name', 'critical', el, 'button has no name');
    } else if (tag === 'A' && el.hasAttribute('href')) {
      if (!ariaName(el) && !textName(el)) add('link_name', 'serious', el, 'link has no name');
    }
    // Contrast: elements with text of their own, against the first opaque background up the
    // composed tree; a background image makes it unknowable, so it is skipped.
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && norm(n.data));
    if (!own || el.disabled || el.closest('fieldset[disabled]')) continue;
    const cs = styleOf(el);
    const fg = rgba(cs.color);
    if (!fg) continue;
    let bg = null, unknown = false;
    for (let n = el; n; n = n.parentElement || (n.getRootNode().host || null)) {
      const s = styleOf(n);
      if (s.backgroundImage && s.backgroundImage !== 'none') { unknown = true; break; }
      const c = rgba(s.backgroundColor);
      if (c && c[3] >= 1) { bg = c; break; }
      if (c && c[3] > 0) { unknown = true; break; }
    }
    if (unknown) continue;
    if (!bg) bg = [255, 255, 255, 1];
    const color = fg[3] < 1 ? fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3])) : fg;
    const ratio = contrast(color, bg);
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) add('color_contrast', 'serious', el, 'text contrast ' + ratio.toFixed(2) + ':1 is below ' + need + ':1');
  }
  function rgba(s) {
    const m = /^rgba?\(([^)]+)\)$/.exec(s || '');
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    if (p.length < 3 || p.some(Number.isNaN)) return null;
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function luminance(c) {
    const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function contrast(a, b) {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  }
  return out;
}
