// smart_error_detection's look at the DOM (a body after prelude.js): broken images, images
// without alt text, unlabeled fields, nameless buttons and links, text with too little
// contrast. Returns [{ rule, impact, message, locator }].
const out = [];
const add = (rule, impact, el, message) => out.push({ rule, impact, message: message + ': ' + describe(el), locator: locatorOf(el) });
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
