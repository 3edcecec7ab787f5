// Self-healing's candidates (a body after prelude.js): every visible element that could stand
// for the one a locator found before — one with the same tag, a role attribute, or a native
// control. Returns their fingerprints (panoptic's helper takes them) and where each sits (CSS
// path, frame prefix); the elements stay in this world as `window.__panoptic_ai.els`.
const want = __WANT__;
const NATIVE = new Set(['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA', 'SUMMARY']);
const found = [];
const paths = [];
for (const el of els) {
  if (found.length >= 3000) break;
  const same = el.tagName.toLowerCase() === want.tag || el.hasAttribute('role') || NATIVE.has(el.tagName);
  if (!same || !visible(el)) continue;
  let frame = '';
  for (let f = frameOf.get(el.ownerDocument); f; f = frameOf.get(f.ownerDocument)) frame = 'frame=' + cssPath(f) + ' >> ' + frame;
  found.push(el);
  paths.push({ frame, path: cssPath(el) });
}
Object.defineProperty(window, '__panoptic_ai', { value: { els: found }, configurable: true, writable: true });
return { fingerprints: window.__panoptic.fingerprints(found), paths };
