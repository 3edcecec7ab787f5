// panoptic's in-page helper: locator resolution and element state for auto-wait.
// Installed once per document as window.__panoptic; handles live until the next resolve().
(() => {
  const P = { handles: new Map(), next: 1 };
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const lower = (s) => norm(s).toLowerCase();
  const SKIP = new Set(['SCRIPT', 'STYLE', 'HEAD', 'NOSCRIPT', 'TEMPLATE', 'META', 'LINK', 'TITLE', 'SLOT']);

  // Set per resolve(): does the document have open shadow roots? Without, native text is used.
  let shadows = false;
  function textOf(el) {
    if (el.tagName === 'INPUT' && ['button', 'submit', 'reset'].includes(el.type)) return el.value;
    return shadows ? composedText(el) : (el.textContent || '');
  }
  function textMatches(actual, want, exact) {
    return exact ? norm(actual) === want : lower(actual).includes(want.toLowerCase());
  }
  function nameMatches(actual, want) {
    if (want.length >= 2 && want.startsWith('"') && want.endsWith('"')) return norm(actual) === want.slice(1, -1);
    return lower(actual).includes(want.toLowerCase());
  }
  // Elements under `root` (a document, a shadow root or an element) in document order,
  // descending into open shadow roots as Playwright does: a host's shadow tree comes right
  // after the host, before its light children. Iterative: deep trees do not overflow.
  // The document's elements, walked once per resolve() (the walk is the costly part).
  let docAll = null;
  function deepAll(root) {
    if (root === document && docAll) return docAll;
    const out = [];
    const stack = [];
    const pushAll = (list) => { for (let i = list.length - 1; i >= 0; i--) stack.push(list[i]); };
    const expand = (el) => {
      pushAll(el.children);
      if (el.shadowRoot) pushAll(el.shadowRoot.children);
    };
    if (root.nodeType === 1) expand(root); else pushAll(root.children);
    while (stack.length) {
      const el = stack.pop();
      out.push(el);
      expand(el);
    }
    if (root === document) docAll = out;
    return out;
  }
  function all(root) {
    return deepAll(root).filter((el) => !SKIP.has(el.tagName));
  }
  // The parent across a shadow boundary: a shadow root's children have its host as parent.
  const up = (el) => el.parentElement || (el.parentNode && el.parentNode.host) || null;
  function deepContains(el, other) {
    for (let n = other; n; n = up(n)) if (n === el) return true;
    return false;
  }
  // The innermost element at a point, through open shadow roots.
  function hitAt(x, y) {
    let hit = document.elementFromPoint(x, y);
    for (;;) {
      if (hit && hit.shadowRoot) {
        const inner = hit.shadowRoot.elementFromPoint(x, y);
        if (!inner || inner === hit) break;
        hit = inner;
      } else if (hit && (hit.tagName === 'IFRAME' || hit.tagName === 'FRAME') && hit.contentDocument) {
        const o = frameOffset(hit.contentDocument);
        const inner = hit.contentDocument.elementFromPoint(x - o.x, y - o.y);
        if (!inner) break;
        hit = inner;
      } else {
        break;
      }
    }
    return hit;
  }
  // Does a pointer event at `t` reach `el` (itself, inside it through shadow roots, or its label)?
  // A host in `t`'s place, whose shadow tree holds `el`, stands for its slotted content there
  // (a `<button><slot>` shows the host's own text: hit-testing that text yields the host).
  const hostOf = (el, t) => { for (let h = el.getRootNode().host; h; h = h.getRootNode().host) if (h === t) return true; return false; };
  const receives = (el, t) => !!t && (deepContains(el, t) || hostOf(el, t) || (t.tagName === 'LABEL' && t.control === el) || (el.tagName === 'LABEL' && el.control === t));
  // Text as rendered through shadow roots: a host's shadow tree, its slots filled with what is
  // assigned to them.
  // With `alt`, as a name from content: each image's alt text in its place.
  function composedText(node, alt) {
    if (node.nodeType === 3) return node.data;
    if (alt && node.nodeType === 1 && node.tagName === 'IMG') return ' ' + (node.getAttribute('alt') || '') + ' ';
    if (node.nodeType === 1 && (node.tagName === 'SCRIPT' || node.tagName === 'STYLE')) return '';
    if (alt && !shadows && node.nodeType === 1 && !node.querySelector('img')) return node.textContent || '';
    if (node.nodeType !== 1 && node.nodeType !== 11) return '';
    let kids = node.nodeType === 1 && node.shadowRoot ? node.shadowRoot.childNodes : node.childNodes;
    if (node.tagName === 'SLOT') {
      const assigned = node.assignedNodes({ flatten: true });
      if (assigned.length) kids = assigned;
    }
    let s = '';
    for (const k of kids) s += composedText(k, alt);
    return s;
  }
  function implicitRole(el) {
    const t = el.tagName.toLowerCase();
    const type = (el.getAttribute('type') || '').toLowerCase();
    switch (t) {
      case 'button': return 'button';
      case 'a': case 'area': return el.hasAttribute('href') ? 'link' : null;
      case 'input':
        if (['button', 'submit', 'reset', 'image'].includes(type)) return 'button';
        if (type === 'checkbox') return 'checkbox';
        if (type === 'radio') return 'radio';
        if (type === 'range') return 'slider';
        if (type === 'number') return 'spinbutton';
        if (type === 'search') return 'searchbox';
        if (['hidden', 'file', 'color', 'date', 'datetime-local', 'month', 'time', 'week'].includes(type)) return null;
        return 'textbox';
      case 'textarea': return 'textbox';
      case 'select': return (el.multiple || el.size > 1) ? 'listbox' : 'combobox';
      case 'option': return 'option';
      case 'h1': case 'h2': case 'h3': case 'h4': case 'h5': case 'h6': return 'heading';
      case 'ul': case 'ol': return 'list';
      case 'li': return 'listitem';
      case 'img': return el.getAttribute('alt') === '' ? 'presentation' : 'img';
      case 'nav': return 'navigation';
      case 'main': return 'main';
      case 'header': return 'banner';
      case 'footer': return 'contentinfo';
      case 'aside': return 'complementary';
      case 'form': return 'form';
      case 'dialog': return 'dialog';
      case 'table': return 'table';
      case 'tr': return 'row';
      case 'td': return 'cell';
      case 'th': return 'columnheader';
      case 'progress': return 'progressbar';
      default: return null;
    }
  }
  function roleOf(el) {
    const explicit = el.getAttribute('role');
    return explicit ? explicit.split(/\s+/)[0].toLowerCase() : implicitRole(el);
  }
  function labelsText(el) {
    return el.labels ? Array.from(el.labels).map((l) => textOf(l)).join(' ') : '';
  }
  function accessibleName(el) {
    const lb = el.getAttribute('aria-labelledby');
    if (lb) {
      const scope = el.getRootNode();
      const byId = (id) => (scope.getElementById ? scope.getElementById(id) : document.getElementById(id));
      const t = lb.split(/\s+/).map(byId).filter(Boolean).map(textOf).join(' ');
      if (norm(t)) return t;
    }
    const al = el.getAttribute('aria-label');
    if (al && norm(al)) return al;
    const l = labelsText(el);
    if (norm(l)) return l;
    if (el.tagName === 'IMG' || (el.tagName === 'INPUT' && el.type === 'image')) return el.getAttribute('alt') || '';
    if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') {
      if (['button', 'submit', 'reset'].includes(el.type)) return el.value || (el.type === 'submit' ? 'Submit' : '');
      return el.getAttribute('title') || el.getAttribute('placeholder') || '';
    }
    const t = contentName(el);
    return norm(t) ? t : (el.getAttribute('title') || '');
  }
  // A name from content, as the accessibility tree computes it: the text, with each image's
  // alt text in its place (a link around a logo is named by the logo's alt).
  function contentName(el) {
    return composedText(el, true);
  }
  function byText(root, want, exact) {
    const matches = all(root).filter((el) => textMatches(textOf(el), want, exact));
    // The deepest matches: drop an element when one of its descendants also matches.
    return matches.filter((el) => !matches.some((o) => o !== el && deepContains(el, o)));
  }
  // ---- CSS through open shadow roots, with Playwright's `:has-text("…")` ----
  // A selector is split (outside brackets, parentheses and quotes) into comma groups and each
  // group into compounds joined by combinators; each compound is matched with the browser's own
  // `matches`, the combinators are followed across shadow boundaries (a shadow root's children
  // have its host as parent). Without shadow roots or `:has-text`, the browser's
  // `querySelectorAll` answers alone.
  function invalid(selector, piece, at) {
    return new Error('__panoptic_invalid__ `' + selector + '` is not a valid CSS selector: `' + piece +
      '` (at column ' + (at + 1) + ') is not CSS the browser understands');
  }
  function splitSelector(sel) {
    const groups = [];
    let comps = [], cur = '', curAt = 0, comb = null, depth = 0, quote = null;
    const finish = (i) => {
      if (cur.trim()) { comps.push({ text: cur.trim(), at: curAt, comb: comps.length ? (comb || ' ') : null }); comb = null; }
      cur = ''; curAt = i;
    };
    for (let i = 0; i < sel.length; i++) {
      const c = sel[i];
      if (quote) { cur += c; if (c === '\\') { cur += sel[++i] || ''; } else if (c === quote) quote = null; continue; }
      if (c === '"' || c === "'") { quote = c; cur += c; continue; }
      if (c === '\\') { cur += c + (sel[++i] || ''); continue; }
      if (c === '(' || c === '[') depth++;
      if (c === ')' || c === ']') depth--;
      if (depth === 0 && c === ',') { finish(i + 1); groups.push(comps); comps = []; continue; }
      if (depth === 0 && (c === ' ' || c === '\t' || c === '\n' || c === '>' || c === '+' || c === '~')) {
        if (cur.trim()) finish(i + 1);
        if (c !== ' ' && c !== '\t' && c !== '\n') comb = c;
        curAt = i + 1;
        continue;
      }
      if (!cur) curAt = i;
      cur += c;
    }
    finish(sel.length);
    groups.push(comps);
    return groups;
  }
  // `:has-text("x")` taken out of a compound: what is left, and the texts.
  function takeHasText(text) {
    const texts = [];
    let rest = '';
    for (let i = 0; i < text.length;) {
      if (text.startsWith(':has-text(', i)) {
        let j = i + ':has-text('.length, q = null, arg = '';
        for (; j < text.length; j++) {
          const c = text[j];
          if (q) { if (c === '\\') { arg += text[++j] || ''; continue; } if (c === q) { q = null; continue; } arg += c; continue; }
          if (c === '"' || c === "'") { q = c; continue; }
          if (c === ')') break;
          arg += c;
        }
        texts.push(norm(arg));
        i = j + 1;
        continue;
      }
      rest += text[i++];
    }
    return { css: rest, texts };
  }
  const probe = document.createDocumentFragment();
  function validCss(css) {
    try { probe.querySelector(css); return true; } catch (e) { return false; }
  }
  function compile(selector) {
    const groups = splitSelector(selector).map((comps) => comps.map((c) => {
      const { css, texts } = takeHasText(c.text);
      const own = css || '*';
      if (!validCss(own)) throw invalid(selector, c.text, c.at);
      return { css: own, texts, comb: c.comb };
    }));
    if (!groups.every((g) => g.length)) throw invalid(selector, selector, 0);
    return groups;
  }
  function matchesCompound(el, c) {
    if (!el.matches(c.css)) return false;
    for (const t of c.texts) if (!lower(textOf(el)).includes(t.toLowerCase())) return false;
    return true;
  }
  function matchesFrom(el, comps, i) {
    if (!matchesCompound(el, comps[i])) return false;
    if (i === 0) return true;
    switch (comps[i].comb) {
      case '>': { const p = up(el); return !!p && matchesFrom(p, comps, i - 1); }
      case '+': { const s = el.previousElementSibling; return !!s && matchesFrom(s, comps, i - 1); }
      case '~': {
        for (let s = el.previousElementSibling; s; s = s.previousElementSibling) if (matchesFrom(s, comps, i - 1)) return true;
        return false;
      }
      default: {
        for (let p = up(el); p; p = up(p)) if (matchesFrom(p, comps, i - 1)) return true;
        return false;
      }
    }
  }
  function css(root, selector) {
    const plain = !selector.includes(':has-text(');
    if (plain && !shadows) {
      // A selector the browser refuses is never retried: the compound at fault is named when one
      // is, else the whole selector.
      try { return Array.from(root.querySelectorAll(selector)); } catch (e) { compile(selector); throw invalid(selector, selector, 0); }
    }
    const groups = compile(selector);
    return deepAll(root).filter((el) => groups.some((g) => matchesFrom(el, g, g.length - 1)));
  }
  function query(root, part) {
    switch (part.kind) {
      case 'css': return css(root, part.selector);
      case 'xpath': {
        let expr = part.expr;
        if (root.nodeType === 1 && expr.startsWith('/')) expr = '.' + expr;
        const snap = document.evaluate(expr, root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
        const out = [];
        for (let i = 0; i < snap.snapshotLength; i++) { const n = snap.snapshotItem(i); if (n.nodeType === 1) out.push(n); }
        return out;
      }
      case 'text': return byText(root, part.text, part.exact);
      case 'role': return all(root).filter((el) => roleOf(el) === part.role && (part.name == null || nameMatches(accessibleName(el), part.name)));
      case 'label': {
        const out = [];
        for (const el of all(root)) {
          if (el.tagName === 'LABEL') {
            if (textMatches(textOf(el), part.text, false) && el.control) out.push(el.control);
          } else if (el.hasAttribute('aria-label') && textMatches(el.getAttribute('aria-label'), part.text, false)) {
            out.push(el);
          } else if (el.hasAttribute('aria-labelledby') && textMatches(accessibleName(el), part.text, false)) {
            out.push(el);
          }
        }
        return out;
      }
      case 'placeholder': return deepAll(root).filter((el) => el.hasAttribute('placeholder') && textMatches(el.getAttribute('placeholder'), part.text, false));
      case 'test_id': return deepAll(root).filter((el) => el.getAttribute('data-testid') === part.id);
      default: throw new Error('unknown locator kind ' + part.kind);
    }
  }
  function visible(el) {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    return el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : getComputedStyle(el).visibility !== 'hidden';
  }
  function enabled(el) {
    if (el.disabled === true) return false;
    if (el.closest('fieldset[disabled]') && !el.closest('legend')) return false;
    return el.getAttribute('aria-disabled') !== 'true';
  }
  function editable(el) {
    if (el.isContentEditable) return true;
    if (el.tagName === 'TEXTAREA') return !el.readOnly;
    if (el.tagName === 'INPUT') return !el.readOnly && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'image', 'hidden', 'range', 'color'].includes(el.type);
    return false;
  }
  function describe(el) {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\s+/).join('.');
    return s;
  }
  // Where `doc`'s viewport starts in the top page: the content box of every frame element on
  // the way up (same-origin frames; their elements are reached through `frame=`).
  function frameOffset(doc) {
    let x = 0, y = 0;
    for (let w = doc.defaultView; w && w.frameElement; w = w.frameElement.ownerDocument.defaultView) {
      const f = w.frameElement, r = f.getBoundingClientRect(), cs = getComputedStyle(f);
      x += r.x + f.clientLeft + parseFloat(cs.paddingLeft);
      y += r.y + f.clientTop + parseFloat(cs.paddingTop);
    }
    return { x, y };
  }
  // The frame elements `part` matches under `roots`, in document order.
  function framesOf(roots, part, position) {
    const found = new Set();
    for (const root of roots) {
      for (const f of css(root, part.selector)) {
        if (f.tagName !== 'IFRAME' && f.tagName !== 'FRAME') {
          throw new Error('__panoptic_invalid__ `frame=' + part.selector + '` matched a <' + f.tagName.toLowerCase() + '>, not an <iframe>');
        }
        found.add(f);
      }
    }
    return Array.from(found).sort((a, b) => position(a) - position(b));
  }
  // A frame's document when this world may read it (same-origin), else null.
  function docOf(f) {
    try { return f.contentDocument; } catch (e) { return null; }
  }
  // Where a frame element's content (its document's viewport) starts in the top page.
  function contentOffset(f) {
    const r = box(f), cs = getComputedStyle(f);
    return { x: r.x + f.clientLeft + parseFloat(cs.paddingLeft), y: r.y + f.clientTop + parseFloat(cs.paddingTop) };
  }
  function inView(el) {
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
      el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    }
  }
  function box(el) {
    const r = el.getBoundingClientRect();
    const o = el.ownerDocument === document ? { x: 0, y: 0 } : frameOffset(el.ownerDocument);
    return { x: r.x + o.x, y: r.y + o.y, width: r.width, height: r.height };
  }
  // A handle for `el`, valid until the next resolve().
  function keep(el) {
    const id = P.next++;
    P.handles.set(id, el);
    return id;
  }
  // What the element is, for self-healing in later runs (`Fingerprint`): telling attributes,
  // text, role and name, the tags above it (through shadow roots and frames) and its box.
  const TELLING = ['name', 'type', 'placeholder', 'href', 'title', 'alt', 'aria-label', 'data-testid'];
  function fingerprint(el) {
    const attrs = [];
    for (const a of TELLING) if (el.hasAttribute(a)) attrs.push(a + '=' + norm(el.getAttribute(a)).slice(0, 100));
    if (el.tagName === 'INPUT' && ['button', 'submit', 'reset'].includes(el.type)) attrs.push('value=' + norm(el.value).slice(0, 100));
    attrs.sort();
    const path = [];
    for (let n = el; path.length < 12;) {
      let p = up(n);
      if (!p) {
        const view = n.ownerDocument && n.ownerDocument.defaultView;
        p = view && view.frameElement;
        if (!p) break;
      }
      path.unshift(p.tagName.toLowerCase());
      n = p;
    }
    const b = box(el);
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id || '',
      classes: typeof el.className === 'string' ? el.className.split(/\s+/).filter(Boolean) : [],
      attrs,
      text: norm(textOf(el)).slice(0, 100),
      role: roleOf(el) || '',
      name: norm(accessibleName(el)).slice(0, 100),
      path,
      bbox: [Math.round(b.x), Math.round(b.y), Math.round(b.width), Math.round(b.height)],
    };
  }
  P.fingerprints = (list) => {
    begin();
    try { return Array.from(list).map(fingerprint); } finally { docAll = null; }
  };
  function info(el, withFingerprint) {
    const id = keep(el);
    const isControl = el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
    const vis = visible(el);
    const text = vis && !shadows ? (el.innerText ?? textOf(el)) : textOf(el);
    return {
      handle: id,
      tag: el.tagName.toLowerCase(),
      visible: vis,
      enabled: enabled(el),
      editable: editable(el),
      stable: true,
      covered_by: null,
      rect: box(el),
      text: norm(text).slice(0, 4000),
      value: isControl ? String(el.value) : null,
      checked: (el.type === 'checkbox' || el.type === 'radio') ? !!el.checked : null,
      fingerprint: withFingerprint ? fingerprint(el) : null,
    };
  }
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  // Where each walk starts: the document's shadow roots decide how text is read.
  function begin() {
    docAll = null;
    shadows = deepAll(document).some((el) => el.shadowRoot);
  }
  // The elements the chain `parts` matches, in document order; or, at a cross-origin frame,
  // the frame elements to go on in (`{ descend, next }`).
  function find(parts, actionable) {
    let roots = [document];
    let order = null;
    const position = (el) => {
      if (!order) { order = new Map(); deepAll(document).forEach((e, i) => order.set(e, i)); }
      return order.get(el) ?? Infinity;
    };
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part.kind === 'nth') {
        const n = part.index < 0 ? roots.length + part.index : part.index;
        roots = n >= 0 && n < roots.length ? [roots[n]] : [];
        continue;
      }
      if (part.kind === 'frame') {
        const frames = framesOf(roots, part, position);
        // A cross-origin frame's document is not ours to read: the caller continues the chain
        // in each frame's own world, from the frame elements handed back here.
        if (frames.some((f) => !docOf(f))) {
          if (actionable && frames.length) inView(frames[0]);
          return { descend: frames.map((f) => ({ handle: keep(f), offset: contentOffset(f) })), next: i + 1 };
        }
        // Not yet loaded: nothing to find in it yet (auto-wait tries again).
        roots = frames.map(docOf).filter((d) => d.readyState !== 'loading' && d.documentElement);
        // A frame's shadow roots count as the page's: without this, a top document without
        // any made the chain miss every element inside a component of the frame.
        if (!shadows) shadows = roots.some((d) => deepAll(d).some((el) => el.shadowRoot));
        continue;
      }
      const found = new Set();
      for (const root of roots) for (const el of query(root, part)) found.add(el);
      roots = Array.from(found);
      if (roots.length > 1) roots.sort((a, b) => position(a) - position(b));
    }
    return roots;
  }
  P.resolve = async (parts, actionable, withFingerprint) => {
    P.handles.clear();
    begin();
    const roots = find(parts, actionable);
    docAll = null;
    if (!Array.isArray(roots)) return roots;
    const infos = roots.map((el, i) => info(el, withFingerprint && i === 0));
    if (actionable && roots.length && infos[0].visible) {
      const el = roots[0];
      // Stable: the same box now and at the next animation frame (as Playwright on Chromium:
      // its first check runs at once, the second in the next frame).
      inView(el);
      const a = box(el);
      await frame();
      const b = box(el);
      infos[0].rect = b;
      infos[0].stable = a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
      const cx = b.x + b.width / 2, cy = b.y + b.height / 2;
      const hit = hitAt(cx, cy);
      const ok = receives(el, hit);
      infos[0].covered_by = ok ? null : (hit ? describe(hit) : 'nothing (outside the viewport)');
    }
    return infos;
  };
  // The element's centre, re-measured just before a mouse action; throws when something else
  // would receive the click there now (the page moved or covered it since the check).

  // With `arm`, the mouse events that follow are checked: when the first one reaches another
  // element (the page moved between the check and the click), they are all stopped, so nothing
  // else is clicked by mistake, and `P.disarm()` reports the miss for a retry.
  P.point = (id, arm) => {
    const el = P.get(id);
    const r = box(el);
    const x = r.x + r.width / 2, y = r.y + r.height / 2;
    if (!receives(el, hitAt(x, y))) throw new Error('__panoptic_detached__ moved or covered');
    if (arm) {
      // `first`: did the press reach the element; `clicked`: did a click event reach it (the
      // page may move between press and release, and then no click happens at all).
      const state = { first: null, clicked: false };
      const types = ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click', 'dblclick', 'auxclick', 'contextmenu'];
      const guard = (e) => {
        const t = e.composedPath ? e.composedPath()[0] : e.target;
        const ok = receives(el, t);
        if (state.first === null) state.first = ok;
        if (e.type === 'click' && ok) state.clicked = true;
        if (!state.first) { e.stopImmediatePropagation(); e.preventDefault(); }
      };
      for (const t of types) window.addEventListener(t, guard, true);
      P.disarm = () => {
        for (const t of types) window.removeEventListener(t, guard, true);
        P.disarm = () => null;
        return state.first === null ? null : state.first && state.clicked;
      };
    }
    return [x, y];
  };
  P.disarm = () => null;
  // Handles and state for elements a caller found (`Page::elements_from`).
  P.infos = (list) => Array.from(list || []).filter((el) => el && el.nodeType === 1).map((el) => info(el, false));
  // For locator suggestions: for each element of `els`, `ok`: the indexes of the first `most`
  // of its candidate chains (`lists[i]`, in order) that find exactly it (or one element inside
  // it); `nth`: the first candidate that finds it among others, and its position there.
  P.unique = (els, lists, most) => {
    begin();
    try {
      return els.map((el, n) => {
        const ok = [];
        let nth = null;
        const cands = lists[n] || [];
        for (let i = 0; el && i < cands.length && ok.length < most; i++) {
          if (!cands[i]) continue;
          let r;
          try { r = find(cands[i], false); } catch (e) { continue; }
          if (!Array.isArray(r)) continue;
          const at = r.findIndex((m) => m === el || deepContains(el, m));
          if (at < 0) continue;
          if (r.length === 1) ok.push(i);
          else if (!nth) nth = [i, at];
        }
        return { ok, nth };
      });
    } finally {
      docAll = null;
    }
  };
  P.get = (id) => {
    const el = P.handles.get(id);
    if (!el || !el.isConnected) throw new Error('__panoptic_detached__');
    return el;
  };
  P.prepareFill = (id, value) => {
    const el = P.get(id);
    el.focus();
    const direct = el.tagName === 'INPUT' && ['date', 'time', 'datetime-local', 'month', 'week', 'color', 'range'].includes(el.type);
    if (direct) {
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return 'done';
    }
    if (el.isContentEditable) {
      const range = el.ownerDocument.createRange();
      range.selectNodeContents(el);
      const sel = el.ownerDocument.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    } else {
      el.select();
    }
    if (value === '') {
      if (!el.ownerDocument.execCommand('delete')) { el.value = ''; el.dispatchEvent(new Event('input', { bubbles: true })); }
      return 'done';
    }
    return 'type';
  };
  P.select = (id, by, want) => {
    const el = P.get(id);
    if (el.tagName !== 'SELECT') throw new Error('element is a <' + el.tagName.toLowerCase() + '>, not a <select>');
    const opt = Array.from(el.options).find((o) => by === 'value' ? o.value === want : norm(o.label) === norm(want));
    if (!opt) {
      const have = Array.from(el.options).map((o) => by === 'value' ? o.value : norm(o.label));
      throw new Error('no option with ' + by + ' ' + JSON.stringify(want) + '; options: ' + JSON.stringify(have));
    }
    el.focus();
    opt.selected = true;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return Array.from(el.selectedOptions).map((o) => o.value);
  };
  Object.defineProperty(window, '__panoptic', { value: P, enumerable: false });
  return true;
})()
