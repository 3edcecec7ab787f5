// panoptic's change watch, in its own world (so a page cannot replace the observer or the
// timer it uses): resolves true at the page's next change — a DOM mutation in the document, in
// any open shadow root or in a same-origin frame's document, a frame that loaded, a control's
// input or change, a finished transition or animation — or false after `ms`. Installed once
// per document as window.__panoptic_watch, whose `wait` later polls call without sending this
// source again.
(ms) => {
  let w = window.__panoptic_watch;
  if (!w) {
    const waiters = new Set();
    const fire = () => {
      if (!waiters.size) return;
      const now = [...waiters];
      waiters.clear();
      for (const done of now) done(true);
    };
    const opts = { subtree: true, childList: true, attributes: true, characterData: true };
    const seen = new WeakSet();
    const observer = new MutationObserver((records) => {
      // Shadow roots that came with new nodes are watched too (a component rendered later).
      for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) deep(n);
      fire();
    });
    const events = ['input', 'change', 'transitionend', 'animationend'];
    const watch = (root) => {
      if (seen.has(root)) return;
      seen.add(root);
      observer.observe(root, opts);
      deep(root);
    };
    // A frame: its document while it is same-origin (each new one after a load); a
    // cross-origin frame's loads still count as changes.
    const frame = (f) => {
      if (seen.has(f)) return;
      seen.add(f);
      const look = () => {
        let doc = null;
        try {
          doc = f.contentDocument;
        } catch (e) {}
        if (!doc || seen.has(doc)) return;
        watch(doc);
        for (const t of events) doc.addEventListener(t, fire, true);
      };
      f.addEventListener('load', () => {
        look();
        fire();
      });
      look();
    };
    // Every open shadow root and frame at or under `node`.
    function deep(node) {
      if (node.shadowRoot) watch(node.shadowRoot);
      if (node.localName === 'iframe' || node.localName === 'frame') frame(node);
      for (const el of node.querySelectorAll('*')) {
        if (el.shadowRoot) watch(el.shadowRoot);
        if (el.localName === 'iframe' || el.localName === 'frame') frame(el);
      }
    }
    watch(document);
    for (const t of events) addEventListener(t, fire, true);
    const wait = (ms) => new Promise((done) => {
      waiters.add(done);
      setTimeout(() => {
        waiters.delete(done);
        done(false);
      }, ms);
    });
    w = window.__panoptic_watch = { wait };
  }
  return w.wait(ms);
}
