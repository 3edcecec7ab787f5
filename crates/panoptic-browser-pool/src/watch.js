// panoptic's change watch, in its own world (so a page cannot replace the observer or the
// timer it uses): resolves true at the page's next change — a DOM mutation in the document or
// in any open shadow root, a control's input or change, a finished transition or animation —
// or false after `ms`. Installed once per document as window.__panoptic_watch, whose `wait`
// later polls call without sending this source again.
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
    const watch = (root) => {
      if (seen.has(root)) return;
      seen.add(root);
      observer.observe(root, opts);
      deep(root);
    };
    // Every open shadow root at or under `node`.
    function deep(node) {
      if (node.shadowRoot) watch(node.shadowRoot);
      for (const el of node.querySelectorAll('*')) if (el.shadowRoot) watch(el.shadowRoot);
    }
    watch(document);
    for (const t of ['input', 'change', 'transitionend', 'animationend']) addEventListener(t, fire, true);
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
