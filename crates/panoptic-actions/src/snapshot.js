// A trace's DOM snapshot: the page as HTML that renders offline in a sandboxed frame without
// scripts. Called on the <html> element from panoptic's isolated world (the page's own
// scripts cannot change what this sees or does). Scripts, event handlers, comments and
// `javascript:` links are dropped; form state is written as attributes (a password field's
// value as dots); same-origin stylesheets and constructed sheets are inlined; open shadow
// roots become declarative shadow DOM; same-origin frames are nested as `srcdoc`; URLs are
// made absolute. Stops adding once the text passes `max` characters.
(root, max) => {
  const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
  const esc = s => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const attr = s => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const rules = sheet => {
    try { return Array.from(sheet.cssRules, r => r.cssText).join('\n'); } catch (e) { return null; }
  };
  const styleOf = css => '<style>' + css.replace(/<\/style/gi, '<\\/style') + '</style>';
  let size = 0;
  const serialize = doc => {
    const out = [];
    const push = s => { out.push(s); size += s.length; };
    const walk = node => {
      if (size > max) return;
      if (node.nodeType === 3) {
        const p = node.parentNode && node.parentNode.localName;
        push(p === 'style' ? node.data : esc(node.data));
        return;
      }
      if (node.nodeType !== 1) return;
      const tag = node.localName;
      if (tag === 'script' || tag === 'noscript' || (tag === 'meta' && node.hasAttribute('http-equiv'))) return;
      if (tag === 'link' && /stylesheet/i.test(node.rel || '')) {
        const css = node.sheet && rules(node.sheet);
        if (css !== null && css !== undefined) { push(styleOf(css)); return; }
      }
      let a = '';
      for (const at of Array.from(node.attributes)) {
        const n = at.name.toLowerCase();
        if (n.startsWith('on')) continue;
        if (tag === 'input' && (n === 'value' || n === 'checked')) continue;
        if (tag === 'option' && n === 'selected') continue;
        if (tag === 'iframe' && (n === 'src' || n === 'srcdoc')) continue;
        let v = at.value;
        if ((n === 'src' || n === 'href' || n === 'action' || n === 'poster') && v && !/^(data|blob):/i.test(v)) {
          try { v = new URL(v, doc.baseURI).href; } catch (e) { /* kept as written */ }
          if (/^\s*javascript:/i.test(v)) continue;
        }
        a += ' ' + at.name + '="' + attr(v) + '"';
      }
      if (tag === 'input') {
        const t = (node.type || '').toLowerCase();
        if (t === 'checkbox' || t === 'radio') { if (node.checked) a += ' checked'; }
        else if (t !== 'file') a += ' value="' + attr(t === 'password' ? (node.value ? '••••••••' : '') : node.value) + '"';
      }
      if (tag === 'option' && node.selected) a += ' selected';
      if (tag === 'iframe') {
        let inner = null;
        try { if (node.contentDocument && node.contentDocument.documentElement) inner = serialize(node.contentDocument); } catch (e) { /* another origin */ }
        push('<iframe' + a + ' srcdoc="' + attr(inner === null ? '<p>(a frame of another origin)</p>' : inner) + '"></iframe>');
        return;
      }
      push('<' + tag + a + '>');
      if (VOID.has(tag)) return;
      if (tag === 'head' && doc.adoptedStyleSheets) {
        for (const s of doc.adoptedStyleSheets) { const css = rules(s); if (css) push(styleOf(css)); }
      }
      if (node.shadowRoot) {
        push('<template shadowrootmode="open">');
        for (const s of node.shadowRoot.adoptedStyleSheets || []) { const css = rules(s); if (css) push(styleOf(css)); }
        for (const c of Array.from(node.shadowRoot.childNodes)) walk(c);
        push('</template>');
      }
      if (tag === 'textarea') push(esc(node.value));
      else for (const c of Array.from(tag === 'template' ? node.content.childNodes : node.childNodes)) walk(c);
      push('</' + tag + '>');
    };
    walk(doc.documentElement);
    return '<!doctype html>' + out.join('');
  };
  const html = serialize(root.ownerDocument);
  return { html, truncated: size > max, url: root.ownerDocument.URL, title: root.ownerDocument.title };
}
