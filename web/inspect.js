// chinook inspect: the page. No framework: rows are created once and patched in place, and
// every change from the event stream is applied at most once per animation frame.
const $ = (sel) => document.querySelector(sel);
const SVG = 'http://www.w3.org/2000/svg';
const RATE_WINDOW = 60;
const AVAILABILITY_LABEL = { available: 'available', stale: 'stale', missing: 'never seen' };

/** Timing the page measures about itself (read by the performance test). */
const timing = { events: 0, domainUpdates: 0, frames: 0, maxFrameWorkMs: 0, totalFrameWorkMs: 0, longTasks: 0, maxLongTaskMs: 0 };
window.__inspectTiming = timing;
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      timing.longTasks++;
      timing.maxLongTaskMs = Math.max(timing.maxLongTaskMs, entry.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
} catch { /* not every browser has long tasks */ }

let token = sessionStorage.getItem('chinook-inspect-token');
const headers = () => (token ? { authorization: `Bearer ${token}` } : {});

const model = { domains: new Map(), services: new Map(), rates: new Map(), open: undefined, filter: '' };
const rows = new Map(); // domain → { tr, cells… }
const serviceRows = new Map();
const graphChips = new Map(); // domain → [rect]
const graphNodes = new Map(); // service → { rect, dot }

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function formatAge(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

/** One line a person can read at a glance, as the terminal console shows it. */
function summarize(state, depth = 0) {
  if (Array.isArray(state)) return `[${state.length}]`;
  if (typeof state !== 'object' || state === null) return JSON.stringify(state) ?? '';
  return Object.entries(state).map(([k, v]) =>
    Array.isArray(v) ? `${k}[${v.length}]`
    : typeof v === 'object' && v !== null ? (depth === 0 ? `${k}={${summarize(v, 1)}}` : `${k}={…}`)
    : `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

// ---- services ----
/** A long list cut to its first few names (the full list is the cell's tooltip). */
function shortList(names, max = 6) {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max - 1).join(', ')} … +${names.length - max + 1} more`;
}
function renderService(s) {
  let r = serviceRows.get(s.name);
  if (!r) {
    const tr = el('tr');
    tr.dataset.service = s.name;
    r = { tr, name: el('td', 'name', s.name), status: el('span', 'pill'), epoch: el('td', 'num'), since: el('td', 'since'), owns: el('td', 'list'), waits: el('td', 'list') };
    const statusCell = el('td');
    statusCell.append(r.status);
    tr.append(r.name, statusCell, r.epoch, r.since, r.owns, r.waits);
    $('#services tbody').append(tr);
    serviceRows.set(s.name, r);
  }
  r.status.textContent = s.status;
  r.status.className = `pill ${s.status}`;
  r.tr.dataset.status = s.status;
  r.epoch.textContent = s.epoch ?? '';
  r.since.textContent = s.since ? new Date(s.since).toLocaleTimeString() : '';
  r.since.title = s.since ?? '';
  r.owns.textContent = shortList(s.owns);
  r.owns.title = s.owns.join(', ');
  r.waits.textContent = shortList([...s.waitsFor, ...s.optional.map((d) => `${d}?`)]);
  const node = graphNodes.get(s.name);
  if (node) node.group.setAttribute('class', `node ${s.status}`);
}

// ---- domains ----
function sparkPoints(values) {
  const max = Math.max(1, ...values);
  return values.map((v, i) => `${i},${(15 - (v / max) * 14).toFixed(1)}`).join(' ');
}
function createDomainRow(name) {
  const tr = el('div', 'drow domain');
  tr.dataset.domain = name;
  const r = { tr, pill: el('span', 'pill'), seq: el('div', 'num c-seq'), epoch: el('div', 'num c-epoch'), age: el('div', 'num c-age'), owner: el('div', 'c-owner'), rate: el('span', 'rate'), line: svg('polyline', { points: '' }), summary: el('div', 'c-state') };
  const nameCell = el('div', 'name c-name', name);
  const pillCell = el('div', 'c-availability');
  pillCell.append(r.pill);
  const rateCell = el('div', 'c-rate');
  const chart = svg('svg', { viewBox: `0 0 ${RATE_WINDOW - 1} 16`, preserveAspectRatio: 'none', class: 'sparkline' });
  chart.append(r.line);
  rateCell.append(chart, r.rate);
  tr.append(nameCell, pillCell, r.seq, r.epoch, r.age, r.owner, rateCell, r.summary);
  tr.addEventListener('click', () => toggleDetail(name));
  $('#domains .dbody').append(tr);
  rows.set(name, r);
  return r;
}
// Rows outside the viewport are not painted: with 1,000 domains changing 10 times a second,
// touching every row would cost more than a frame. They are marked and painted when they scroll in.
const visible = new Set();
const unpainted = new Set();
const visibility = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const name = entry.target.dataset.domain;
    if (!entry.isIntersecting) {
      visible.delete(name);
      continue;
    }
    visible.add(name);
    if (unpainted.delete(name)) paintDomain(name);
  }
}, { rootMargin: '300px 0px' });

function renderDomain(d) {
  let r = rows.get(d.name);
  if (!r) {
    r = createDomainRow(d.name);
    visibility.observe(r.tr);
  }
  // Availability is painted everywhere at once (it changes rarely, and the graph shows it too).
  if (r.availability !== d.availability) {
    r.availability = d.availability;
    r.pill.textContent = AVAILABILITY_LABEL[d.availability];
    r.pill.className = `pill ${d.availability}`;
    r.tr.dataset.availability = d.availability;
    for (const chip of graphChips.get(d.name) ?? []) chip.setAttribute('class', `chip ${d.availability}`);
  }
  if (visible.has(d.name)) paintDomain(d.name);
  else unpainted.add(d.name);
}
function paintDomain(name) {
  const r = rows.get(name);
  const d = model.domains.get(name);
  if (!r || !d) return;
  r.seq.textContent = d.seq ?? '';
  r.epoch.textContent = d.epoch ?? '';
  r.owner.textContent = d.owner;
  r.summary.textContent = d.state === undefined ? '' : summarize(d.state);
  r.age.textContent = d.receivedAt !== undefined ? formatAge(Date.now() - d.receivedAt) : '';
  renderRates(name);
}
function renderRates(name) {
  const r = rows.get(name);
  const values = model.rates.get(name);
  if (!r || !values) return;
  if (!visible.has(name)) return void unpainted.add(name);
  r.line.setAttribute('points', sparkPoints(values));
  // The last ten seconds' average: one second alone is mostly 0 for a domain updated every few.
  const recent = values.slice(-10);
  const average = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
  r.rate.textContent = average >= 10 ? average.toFixed(0) : average.toFixed(1);
}
function renderAges() {
  const now = Date.now();
  for (const name of visible) {
    const d = model.domains.get(name);
    const r = rows.get(name);
    if (r) r.age.textContent = d && d.receivedAt !== undefined ? formatAge(now - d.receivedAt) : '';
  }
}
function applyFilter() {
  const f = model.filter;
  for (const [name, r] of rows) r.tr.hidden = f !== '' && !name.includes(f);
}

// ---- one domain in detail: the state as a tree, the last updates ----
function jsonTree(value, path, openPaths, depth) {
  if (typeof value !== 'object' || value === null) return el('span', `json ${value === null ? 'null' : typeof value}`, JSON.stringify(value));
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const details = el('details', 'json-node');
  details.dataset.path = path;
  details.open = openPaths ? openPaths.has(path) : depth < 3;
  details.append(el('summary', 'json-count', Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`));
  const list = el('ul');
  for (const [k, v] of entries) {
    const li = el('li');
    li.append(el('span', 'json-key', `${k}: `), jsonTree(v, `${path}/${k}`, openPaths, depth + 1));
    list.append(li);
  }
  details.append(list);
  return details;
}
function renderDetail(detail) {
  if (model.open !== detail.name) return;
  const box = document.querySelector(`.detail-row[data-for="${CSS.escape(detail.name)}"]`);
  if (!box) return;
  const old = box.querySelector('.tree');
  const openPaths = old ? new Set([...old.querySelectorAll('details[open]')].map((d) => d.dataset.path)) : undefined;
  const tree = el('div', 'tree');
  tree.append(detail.state === undefined ? el('em', '', 'never seen') : jsonTree(detail.state, '', openPaths, 0));
  const history = el('div', 'history');
  history.append(el('h3', '', `last ${detail.history.length} updates`));
  const list = el('ol');
  for (const h of detail.history) {
    const li = el('li');
    li.append(el('span', 'h-seq', `seq ${h.seq}`), el('span', 'h-time', new Date(h.receivedAt).toLocaleTimeString()));
    const changes = el('ul', 'changes');
    for (const c of h.changes) {
      const what = c.kind === 'added' ? `+ ${JSON.stringify(c.after)}` : c.kind === 'removed' ? `− ${JSON.stringify(c.before)}` : `${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`;
      changes.append(el('li', c.kind, `${c.path || '/'}  ${what}`));
    }
    if (h.truncated) changes.append(el('li', 'more', '…'));
    if (h.changes.length === 0 && !h.truncated) changes.append(el('li', 'more', 'first seen'));
    li.append(changes);
    list.append(li);
  }
  history.append(list);
  const grid = el('div', 'detail-box');
  grid.append(tree, history);
  box.replaceChildren(grid);
}
let detailTimer;
async function fetchDetail(name) {
  const res = await fetch(`api/state/${encodeURIComponent(name)}`, { headers: headers() });
  if (res.ok) renderDetail(await res.json());
}
function refreshDetailSoon() {
  if (detailTimer || model.open === undefined) return;
  detailTimer = setTimeout(() => {
    detailTimer = undefined;
    if (model.open !== undefined) fetchDetail(model.open);
  }, 300);
}
function toggleDetail(name) {
  document.querySelector('.detail-row')?.remove();
  document.querySelector('.domain.open')?.classList.remove('open');
  if (model.open === name) {
    model.open = undefined;
    return;
  }
  model.open = name;
  const r = rows.get(name);
  r.tr.classList.add('open');
  const box = el('div', 'detail-row', 'loading…');
  box.dataset.for = name;
  r.tr.after(box);
  fetchDetail(name);
}

// ---- the graph ----
function renderGraph(graph) {
  const box = $('#graph');
  const root = svg('svg', { viewBox: `0 0 ${graph.width} ${graph.height}`, width: graph.width, height: graph.height, role: 'img', 'aria-label': `dependency graph of ${graph.system}` });
  const defs = svg('defs', {});
  for (const id of ['arrow', 'arrow-loop']) {
    const marker = svg('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: id }));
    defs.append(marker);
  }
  root.append(defs);
  for (const e of graph.edges) {
    const path = svg('path', { d: e.path, class: `edge${e.optional ? ' optional' : ''}${e.loop ? ' loop' : ''}`, 'marker-end': `url(#${e.loop ? 'arrow-loop' : 'arrow'})` });
    const title = svg('title', {});
    title.textContent = `${e.from} waits for ${e.dependencies.join(', ')}${e.optional ? ' (optional)' : ''}${e.loop ? ': part of a loop' : ''}`;
    path.append(title);
    root.append(path);
  }
  for (const n of graph.nodes) {
    const group = svg('g', { class: 'node unknown', 'data-service': n.name });
    group.append(svg('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: 8, class: 'box' }));
    group.append(svg('circle', { cx: n.x + 14, cy: n.y + 15, r: 5, class: 'status-dot' }));
    const label = svg('text', { x: n.x + 26, y: n.y + 19, class: 'service-name' });
    label.textContent = n.name;
    group.append(label);
    for (const c of n.domains) {
      const chip = svg('rect', { x: c.x, y: c.y, width: c.width, height: 20, rx: 10, class: c.more ? 'chip more' : 'chip missing' });
      const text = svg('text', { x: c.x + c.width / 2, y: c.y + 14, class: 'chip-text' });
      text.textContent = c.name;
      group.append(chip, text);
      if (c.more) continue;
      chip.setAttribute('data-domain', c.name);
      graphChips.set(c.name, [...(graphChips.get(c.name) ?? []), chip]);
    }
    graphNodes.set(n.name, { group });
    root.append(group);
  }
  if (graph.loops.length > 0) {
    const note = el('p', 'loop-note', `dependency loop${graph.loops.length > 1 ? 's' : ''}: ${graph.loops.map((l) => [...l, l[0]].join(' → ')).join('; ')}`);
    box.replaceChildren(root, note);
  } else box.replaceChildren(root);
}

// ---- header, rejections ----
function renderSummary() {
  let online = 0;
  for (const s of model.services.values()) if (s.status === 'online') online++;
  let available = 0;
  for (const d of model.domains.values()) if (d.availability === 'available') available++;
  $('#summary').textContent = `${online}/${model.services.size} services online · ${available}/${model.domains.size} domains available`;
}
function renderRejections(list) {
  const body = $('#rejections tbody');
  if (list.length === 0) return body.replaceChildren(Object.assign(el('tr', 'empty'), { innerHTML: '<td colspan="4">none</td>' }));
  body.replaceChildren(...list.map((r) => {
    const tr = el('tr');
    tr.append(el('td', 'name', r.topic), el('td', '', r.reason), el('td', 'num', String(r.count)), el('td', 'detail', r.lastDetail));
    return tr;
  }));
}
function setConnection(connected, text) {
  const badge = $('#connection');
  badge.textContent = text ?? (connected ? 'live' : 'disconnected');
  badge.className = `badge ${connected ? 'badge-live' : 'badge-down'}`;
}

// ---- the event stream, applied once per frame ----
let pending = [];
let frameRequested = false;
function queue(event, data) {
  pending.push([event, data]);
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(applyPending);
  }
}
const handlers = {
  hello(data) {
    $('#system').textContent = `${data.state.system} · ${data.state.prefix}`;
    document.title = `${data.state.system} · chinook inspect`;
    for (const s of Object.values(data.services.services)) {
      model.services.set(s.name, s);
      renderService(s);
    }
    for (const d of Object.values(data.state.domains)) {
      model.domains.set(d.name, d);
      renderDomain(d);
    }
    for (const [name, values] of Object.entries(data.rates)) {
      model.rates.set(name, values.slice(-RATE_WINDOW));
      renderRates(name);
    }
    renderRejections(data.rejections);
    setConnection(data.state.connected);
    applyFilter();
    renderAges();
  },
  domains(data) {
    for (const d of data.domains) {
      model.domains.set(d.name, d);
      renderDomain(d);
      if (d.name === model.open) refreshDetailSoon();
    }
    timing.domainUpdates += data.domains.length;
  },
  services(data) {
    for (const s of data.services) {
      model.services.set(s.name, s);
      renderService(s);
    }
  },
  rates(data) {
    for (const [name, values] of model.rates) {
      values.push(data.counts[name] ?? 0);
      if (values.length > RATE_WINDOW) values.shift();
      renderRates(name);
    }
  },
  rejections(data) {
    renderRejections(data.rejections);
  },
  connection(data) {
    setConnection(data.connected, data.connected ? 'live' : `bus lost: ${data.reason ?? ''}`);
  },
};
function applyPending() {
  frameRequested = false;
  const start = performance.now();
  const batch = pending;
  pending = [];
  for (const [event, data] of batch) handlers[event]?.(data);
  renderSummary();
  const spent = performance.now() - start;
  timing.frames++;
  timing.events += batch.length;
  timing.totalFrameWorkMs += spent;
  timing.maxFrameWorkMs = Math.max(timing.maxFrameWorkMs, spent);
}

/** SSE over fetch (EventSource cannot send a bearer token); reconnects, and `hello` resyncs. */
async function stream() {
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    try {
      const res = await fetch('api/events', { headers: headers() });
      if (res.status === 401) return askForToken();
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      delay = 500;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data !== '') queue(event, JSON.parse(data));
        }
      }
    } catch { /* the inspector went away: try again */ }
    setConnection(false, 'inspector unreachable: retrying…');
    await new Promise((r) => setTimeout(r, delay));
  }
}

function askForToken() {
  const form = $('#token-form');
  form.hidden = false;
  setConnection(false, 'token required');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('#token-input').value.trim();
    sessionStorage.setItem('chinook-inspect-token', token);
    form.hidden = true;
    start();
  }, { once: true });
}

async function start() {
  const res = await fetch('api/graph', { headers: headers() });
  if (res.status === 401) return askForToken();
  if (res.ok) renderGraph(await res.json());
  for (const s of model.services.values()) renderService(s);
  for (const d of model.domains.values()) {
    for (const chip of graphChips.get(d.name) ?? []) chip.setAttribute('class', `chip ${d.availability}`);
  }
  stream();
}

$('#filter').addEventListener('input', (e) => {
  model.filter = e.target.value.trim();
  applyFilter();
});
setInterval(renderAges, 1000);
start();
