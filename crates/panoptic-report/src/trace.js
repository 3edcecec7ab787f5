// The trace viewer: reads the trace embedded in this file and shows, per step, the DOM before
// and after it (sandboxed frames: no script of the page runs), its screenshot, the console
// messages and the network requests of its time. Works from file://, nothing is fetched.
(() => {
  const trace = JSON.parse(document.getElementById('trace-data').textContent);
  const $ = id => document.getElementById(id);
  const el = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const k of kids) e.append(k);
    return e;
  };
  const ms = n => (n == null ? '' : n < 1000 ? Math.round(n) + ' ms' : (n / 1000).toFixed(2) + ' s');
  const steps = trace.steps || [];
  const list = $('steps');
  steps.forEach((s, i) => {
    const b = el('button', { className: 'step ' + s.status, type: 'button' },
      el('span', { className: 'n' }, String(s.index)), ' ', s.name, ' ',
      el('span', { className: 'took' }, ms(s.end_ms - s.start_ms)));
    b.dataset.step = String(i);
    b.addEventListener('click', () => show(i));
    list.append(b);
  });
  document.querySelectorAll('nav.tabs button').forEach(b => b.addEventListener('click', () => tab(b.dataset.tab)));
  function tab(name) {
    document.querySelectorAll('nav.tabs button').forEach(b => b.classList.toggle('on', b.dataset.tab === name));
    document.querySelectorAll('section.panel').forEach(p => { p.hidden = p.id !== 'panel-' + name; });
  }
  function frame(id, html) {
    const f = $(id);
    f.srcdoc = html == null ? '<p style="font:14px sans-serif;color:#57606a">(no snapshot)</p>' : html;
  }
  function show(i) {
    const s = steps[i];
    document.querySelectorAll('#steps button').forEach(b => b.classList.toggle('on', b.dataset.step === String(i)));
    $('step-title').textContent = '#' + s.index + ' ' + s.name + ' · ' + s.action + ' · ' + s.status + ' · ' + ms(s.end_ms - s.start_ms);
    const err = $('step-error');
    err.hidden = !s.error;
    if (s.error) {
      err.textContent = s.error.message +
        (s.error.expected ? '\nexpected ' + s.error.expected : '') +
        (s.error.actual ? '\nactual   ' + s.error.actual : '');
    }
    frame('before', i === 0 ? trace.start_snapshot : steps[i - 1].snapshot);
    frame('after', s.snapshot);
    const shot = $('shot');
    shot.hidden = !s.image;
    if (s.image) shot.src = s.image;
    const cons = $('console');
    cons.replaceChildren(...(s.console || []).map(c => el('div', { className: 'log ' + c.level },
      el('b', {}, c.level), ' ', c.text)));
    if (!(s.console || []).length) cons.append(el('p', { className: 'none' }, 'no console messages in this step'));
    const end = i + 1 < steps.length ? steps[i + 1].start_ms : Infinity;
    const reqs = (trace.network || []).filter(r => r.started_ms >= s.start_ms && r.started_ms < end);
    const net = $('network');
    net.replaceChildren(el('tr', {}, el('th', {}, 'method'), el('th', {}, 'url'), el('th', {}, 'status'),
      el('th', {}, 'type'), el('th', {}, 'time')));
    for (const r of reqs) {
      const status = r.failure ? 'failed: ' + r.failure : r.status == null ? 'pending' : String(r.status);
      net.append(el('tr', { className: r.failure || r.status >= 400 ? 'bad' : '' },
        el('td', {}, r.method), el('td', { className: 'url' }, r.url),
        el('td', {}, status + (r.mocked ? ' (mocked)' : '')), el('td', {}, r.resource_type || ''),
        el('td', {}, ms(r.duration_ms))));
    }
    if (!reqs.length) net.append(el('tr', {}, el('td', { colSpan: 5, className: 'none' }, 'no requests in this step')));
  }
  const failing = steps.findIndex(s => s.status === 'failed');
  if (steps.length) show(failing >= 0 ? failing : steps.length - 1);
  tab('after');
})();
