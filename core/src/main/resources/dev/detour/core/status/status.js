// Detour's status page: polls the admin API and follows /admin/events. Everything it shows goes
// into the page as text (textContent, SVG attributes), never as markup, so no model name, reason
// or event text can inject HTML. The admin token, when one is needed, lives in this tab's
// sessionStorage and travels only in the Authorization header, never in a URL.
'use strict';

(function () {
  const POLL_MS = 2000;
  const BUCKET_MS = 15000;
  const BUCKETS = 40;            // 10 minutes of 15-second buckets
  const MAX_EVENTS = 200;
  const TOKEN_KEY = 'detour.adminToken';
  const COLORS = ['#2f5bd3', '#e07b00', '#1a9e5a', '#c62828', '#7b3fc4', '#00838f', '#8d6e63', '#d81b60'];
  const SVG = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let needToken = false;
  let drillsAvailable = true;
  let eventsRunning = false;
  let eventCount = 0;
  let knownTargets = [];
  /** route -> {prev: {target: count}, buckets: Map(bucketIndex -> {target: count}), targets: [ids]} */
  const traffic = new Map();
  const colorOf = new Map();

  function headers(extra) {
    const h = Object.assign({}, extra || {});
    if (token) {
      h['Authorization'] = 'Bearer ' + token;
    }
    return h;
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        if (k === 'class') {
          e.className = attrs[k];
        } else {
          e.setAttribute(k, attrs[k]);
        }
      }
    }
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  function setConn(state, text) {
    const c = $('conn');
    c.dataset.state = state;
    c.textContent = text;
  }

  /** A fetch of the admin API; a 401 asks for the token and stops polling until one is given. */
  async function admin(path, init) {
    const opts = Object.assign({cache: 'no-store'}, init || {});
    opts.headers = headers(opts.headers);
    const resp = await fetch(path, opts);
    if (resp.status === 401) {
      askToken(token ? 'That token was refused.' : '');
      throw new Error('unauthorized');
    }
    return resp;
  }

  function askToken(message) {
    needToken = true;
    setConn('token', 'admin token needed');
    $('token-form').hidden = false;
    $('token-error').textContent = message || '';
  }

  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
    }
    needToken = false;
    $('token-form').hidden = true;
    poll();
    startEvents();
  });

  // ------------------------------------------------------------------ targets

  function fmtMs(v) {
    return typeof v === 'number' && v > 0 ? (v < 10 ? v.toFixed(1) : Math.round(v)) + ' ms' : '–';
  }

  function pair(a, b) {
    return fmtMs(a) + ' / ' + fmtMs(b);
  }

  function badge(value, extra) {
    return el('span', {class: 'badge ' + String(value).replace(/[^a-z_]/gi, '') + (extra ? ' ' + extra : '')}, value);
  }

  function cell(label, cls, content) {
    const td = el('td', {'data-label': label, class: cls});
    if (content instanceof Node) {
      td.appendChild(content);
    } else {
      td.textContent = content;
    }
    return td;
  }

  function renderTargets(targets) {
    knownTargets = targets.map((t) => t.id);
    const body = $('targets').tBodies[0];
    const rows = document.createDocumentFragment();
    for (const t of targets) {
      const tr = el('tr', {'data-target': t.id});
      const name = el('span', null, t.id);
      const id = cell('Target', 'id', name);
      if (t.drill && t.drill.fault) {
        id.appendChild(document.createTextNode(' '));
        id.appendChild(badge('drill: ' + t.drill.fault, 'drill'));
      }
      if (t.readiness && t.readiness.failed > 0) {
        // Flagged by its last readiness run: still routed, but its cases fail (see the Readiness panel).
        id.appendChild(document.createTextNode(' '));
        id.appendChild(badge('readiness: ' + t.readiness.failed + ' failed', 'readiness'));
      }
      tr.appendChild(id);
      tr.appendChild(cell('State', 'state', badge(t.state || 'unknown')));
      tr.appendChild(cell('Circuit', 'circuit', badge(t.circuit || 'unknown')));
      tr.appendChild(cell('Score', 'score', typeof t.score === 'number' ? t.score.toFixed(2) : '–'));
      const lat = t.latency_ms || {};
      const ttft = t.ttft_ms || {};
      tr.appendChild(cell('Latency p50 / p95', 'latency', pair(lat.p50, lat.p95)));
      tr.appendChild(cell('TTFT p50 / p95', 'ttft', pair(ttft.p50, ttft.p95)));
      tr.appendChild(cell('Errors', 'errors',
          typeof t.error_rate === 'number' ? (t.error_rate * 100).toFixed(1) + ' %' : '–'));
      tr.appendChild(cell('In flight', 'inflight', t.in_flight === undefined ? '–' : t.in_flight));
      const sig = (t.signals || []).map((s) => s.detector + ' ' + Number(s.severity).toFixed(2)
          + (s.reason ? ': ' + s.reason : '')).join('; ');
      tr.appendChild(cell('Signals', 'signals', sig || '–'));
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
    $('targets-empty').hidden = targets.length > 0;
    renderDrillTargets();
  }

  // ------------------------------------------------------------------ routes: traffic share

  function colorFor(target) {
    if (!colorOf.has(target)) {
      colorOf.set(target, COLORS[colorOf.size % COLORS.length]);
    }
    return colorOf.get(target);
  }

  function accumulate(routes, now) {
    const bucket = Math.floor(now / BUCKET_MS);
    for (const r of routes) {
      let tr = traffic.get(r.name);
      if (!tr) {
        tr = {prev: null, buckets: new Map(), targets: []};
        traffic.set(r.name, tr);
      }
      tr.targets = r.targets || [];
      tr.strategy = r.strategy;
      tr.plan = r.plan || [];
      const served = r.served || {};
      if (tr.prev) {
        const counts = tr.buckets.get(bucket) || {};
        for (const target of Object.keys(served)) {
          const before = tr.prev[target] || 0;
          // A count that went down was reset (a reload replaced the route): all of it is new.
          const delta = served[target] >= before ? served[target] - before : served[target];
          if (delta > 0) {
            counts[target] = (counts[target] || 0) + delta;
          }
        }
        tr.buckets.set(bucket, counts);
      }
      tr.prev = Object.assign({}, served);
      for (const b of tr.buckets.keys()) {
        if (b <= bucket - BUCKETS) {
          tr.buckets.delete(b);
        }
      }
    }
    for (const name of traffic.keys()) {
      if (!routes.some((r) => r.name === name)) {
        traffic.delete(name);
      }
    }
  }

  function renderRoutes(now) {
    const box = $('routes');
    const frag = document.createDocumentFragment();
    const last = Math.floor(now / BUCKET_MS);
    for (const [name, tr] of traffic) {
      const div = el('div', {class: 'route', 'data-route': name});
      const h = el('h3', null, name);
      h.appendChild(el('span', {class: 'muted'}, ' ' + (tr.strategy || '') + (tr.plan.length ? ' · plan now: '
          + tr.plan.join(' → ') : '')));
      div.appendChild(h);
      const svg = document.createElementNS(SVG, 'svg');
      svg.setAttribute('viewBox', '0 0 ' + BUCKETS + ' 100');
      svg.setAttribute('preserveAspectRatio', 'none');
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', 'share of ' + name + "'s answers per target, 15-second steps");
      const totals = {};
      let all = 0;
      for (let i = 0; i < BUCKETS; i++) {
        const counts = tr.buckets.get(last - BUCKETS + 1 + i);
        if (!counts) {
          continue;
        }
        const sum = Object.values(counts).reduce((a, b) => a + b, 0);
        if (sum === 0) {
          continue;
        }
        let y = 100;
        for (const target of orderedTargets(tr, counts)) {
          const n = counts[target] || 0;
          if (!n) {
            continue;
          }
          totals[target] = (totals[target] || 0) + n;
          all += n;
          const hgt = n / sum * 100;
          y -= hgt;
          const rect = document.createElementNS(SVG, 'rect');
          rect.setAttribute('x', String(i + 0.05));
          rect.setAttribute('y', String(y));
          rect.setAttribute('width', '0.9');
          rect.setAttribute('height', String(hgt));
          rect.setAttribute('fill', colorFor(target));
          const title = document.createElementNS(SVG, 'title');
          title.textContent = target + ': ' + n + ' of ' + sum;
          rect.appendChild(title);
          svg.appendChild(rect);
        }
      }
      div.appendChild(svg);
      const axis = el('div', {class: 'axis'});
      axis.appendChild(el('span', null, (BUCKETS * BUCKET_MS / 60000) + ' min ago'));
      axis.appendChild(el('span', null, all ? all + ' answers' : 'no answers yet'));
      axis.appendChild(el('span', null, 'now'));
      div.appendChild(axis);
      const legend = el('ul', {class: 'legend'});
      for (const target of orderedTargets(tr, totals)) {
        const li = el('li', {'data-target': target});
        const sw = el('span', {class: 'swatch'});
        sw.style.background = colorFor(target);
        li.appendChild(sw);
        li.appendChild(document.createTextNode(target + ' '
            + (all ? Math.round((totals[target] || 0) / all * 100) + ' %' : '–')));
        legend.appendChild(li);
      }
      div.appendChild(legend);
      frag.appendChild(div);
    }
    box.replaceChildren(frag);
  }

  /** The route's targets in its order, then any other target that served it (a direct call, a reload). */
  function orderedTargets(tr, counts) {
    const out = tr.targets.slice();
    for (const t of Object.keys(counts)) {
      if (!out.includes(t)) {
        out.push(t);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ drills

  function renderDrillTargets() {
    const sel = $('drill-target');
    const chosen = sel.value;
    const current = Array.from(sel.options).map((o) => o.value);
    if (current.join('\n') === knownTargets.join('\n')) {
      return;
    }
    sel.replaceChildren(...knownTargets.map((id) => el('option', {value: id}, id)));
    if (knownTargets.includes(chosen)) {
      sel.value = chosen;
    }
  }

  function drillsUnavailable() {
    drillsAvailable = false;
    $('drills-status').textContent = 'drills not available on this gateway';
    for (const e of $('drill-form').elements) {
      e.disabled = true;
    }
    $('drills').replaceChildren();
    drillsShown = null;
  }

  let drillsShown = null;

  function renderDrills(drills) {
    const list = $('drills');
    if (drillsAvailable && !$('drills-status').dataset.sticky) {
      $('drills-status').textContent = drills.length ? '' : 'No drill running.';
    }
    // Rebuilt only when the drills change: a poll must not swap an End button from under a click.
    const shown = JSON.stringify(drills);
    if (shown === drillsShown) {
      return;
    }
    drillsShown = shown;
    list.replaceChildren(...drills.map((d) => {
      const li = el('li', {'data-drill': d.id});
      li.appendChild(badge(d.fault || '?', 'drill'));
      li.appendChild(document.createTextNode(' ' + d.target + (d.until ? ' until ' + localTime(d.until) : '')
          + (d.rate !== undefined ? ' · rate ' + d.rate : '') + ' '));
      const end = el('button', {type: 'button', class: 'secondary'}, 'End');
      end.addEventListener('click', () => endDrill(d.id, end));
      li.appendChild(end);
      return li;
    }));
  }

  async function endDrill(id, button) {
    button.disabled = true;
    try {
      const resp = await admin('/admin/drills/' + encodeURIComponent(id), {method: 'DELETE'});
      if (resp.status === 404 && !(await isDrillError(resp))) {
        drillsUnavailable();
        return;
      }
      say(resp.ok ? 'Drill ' + id + ' ended.' : 'Could not end drill: ' + await errorText(resp));
      poll();
    } catch (e) {
      button.disabled = false;
    }
  }

  /** Whether a 404 is the drills API saying "no such drill" rather than the route not existing. */
  async function isDrillError(resp) {
    const text = await resp.clone().text();
    return /drill/i.test(text) && !/no such endpoint/i.test(text);
  }

  async function errorText(resp) {
    try {
      const j = await resp.json();
      return (j.error && j.error.message) || resp.status;
    } catch (e) {
      return String(resp.status);
    }
  }

  function say(text) {
    const s = $('drills-status');
    s.textContent = text;
    s.dataset.sticky = '1';
    setTimeout(() => {
      delete s.dataset.sticky;
    }, 6000);
  }

  $('drill-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      target: $('drill-target').value,
      fault: $('drill-fault').value,
      duration: $('drill-duration').value.trim(),
    };
    $('drill-start').disabled = true;
    try {
      const resp = await admin('/admin/drills', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body),
      });
      if (resp.status === 404 && !(await isDrillError(resp))) {
        drillsUnavailable();
        return;
      }
      if (resp.status === 201 || resp.ok) {
        const d = await resp.json();
        say('Drill ' + d.id + ' started: ' + d.target + ' ' + d.fault + '.');
      } else {
        say('Drill refused: ' + await errorText(resp));
      }
      poll();
    } catch (e) {
      // 401: the token form is shown; a network error shows on the connection line.
    } finally {
      if (drillsAvailable) {
        $('drill-start').disabled = false;
      }
    }
  });

  // ------------------------------------------------------------------ events

  function localTime(iso) {
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleTimeString();
  }

  function describe(e) {
    switch (e.type) {
      case 'failover':
        return (e.route ? e.route + ': ' : '') + 'moved on from ' + e.from + (e.reason ? ' (' + e.reason + ')' : '');
      case 'health': {
        const sigs = (e.signals || []).map((s) => s.detector + (s.reason ? ': ' + s.reason : '')).join('; ');
        return e.target + ' ' + e.from + ' → ' + e.to + (e.score !== undefined ? ' (score ' + e.score + ')' : '')
            + (sigs ? ' — ' + sigs : '');
      }
      case 'drill_started':
        return 'drill ' + e.id + ': ' + e.fault + ' on ' + e.target + (e.until ? ' until ' + localTime(e.until) : '');
      case 'drill_ended': {
        const t = e.traffic || {};
        return 'drill ' + e.id + ' (' + e.fault + ' on ' + e.target + ') ended' + (e.reason ? ', ' + e.reason : '')
            + (e.traffic ? ' — calls ' + (t.calls || 0) + ', skipped ' + (t.skipped || 0) + ', failovers '
                + (t.failovers || 0) + ', served ' + (t.served || 0) : '');
      }
      default: {
        const rest = Object.assign({}, e);
        delete rest.type;
        delete rest.time;
        return Object.keys(rest).map((k) => k + ': ' + (typeof rest[k] === 'object' ? JSON.stringify(rest[k])
            : rest[k])).join(', ');
      }
    }
  }

  function addEvent(e) {
    if (!e || typeof e !== 'object') {
      return;
    }
    const list = $('events');
    const li = el('li', {'data-type': String(e.type || '')});
    li.appendChild(el('time', {datetime: String(e.time || '')}, e.time ? localTime(e.time) : ''));
    li.appendChild(badge(e.type || 'event', 'type ' + String(e.type || '').replace(/[^a-z_]/gi, '')));
    li.appendChild(el('span', {class: 'text'}, describe(e)));
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_EVENTS) {
      list.removeChild(list.lastChild);
    }
    eventCount++;
    $('events-empty').hidden = true;
  }

  /** Follows /admin/events as a server-sent-event stream read through fetch (so the token can be a header). */
  async function startEvents() {
    if (eventsRunning || needToken) {
      return;
    }
    eventsRunning = true;
    let retry = 1000;
    while (!needToken) {
      try {
        const resp = await admin('/admin/events', {headers: {Accept: 'text/event-stream'}});
        if (!resp.ok || !resp.body) {
          throw new Error('events: ' + resp.status);
        }
        // The stream replays the recent events first: start from a clean list.
        $('events').replaceChildren();
        eventCount = 0;
        $('events-empty').hidden = false;
        retry = 1000;
        const reader = resp.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) {
            break;
          }
          // Line ends normalised on the whole buffer, so a CR LF split across reads still joins.
          buf = (buf + decoder.decode(value, {stream: true})).replace(/\r\n/g, '\n');
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const data = block.split('\n').filter((l) => l.startsWith('data:'))
                .map((l) => l.slice(5).replace(/^ /, '')).join('\n');
            if (data) {
              try {
                addEvent(JSON.parse(data));
              } catch (err) {
                // Not JSON: not an event this page knows how to show.
              }
            }
          }
        }
      } catch (e) {
        if (needToken) {
          break;
        }
      }
      await new Promise((r) => setTimeout(r, retry));
      retry = Math.min(retry * 2, 15000);
    }
    eventsRunning = false;
  }

  // ------------------------------------------------------------------ readiness

  let readinessAt = null;

  /** The last readiness report: one row per route, target and case; redrawn only when a new run finished. */
  function renderReadiness(report) {
    if (!report || !report.at || report.at === readinessAt) {
      return;
    }
    readinessAt = report.at;
    const sim = report.similarity || {};
    $('readiness-summary').textContent = 'Last run ' + localTime(report.at) + ': '
        + (report.passed ? 'every target passed' : 'some targets failed') + '; similarity '
        + (sim.computed ? 'to each route\'s first target, embedded with ' + sim.with : 'not computed: ' + sim.why) + '.';
    const rows = document.createDocumentFragment();
    for (const r of report.routes || []) {
      for (const t of r.targets || []) {
        for (const c of t.cases || []) {
          const tr = el('tr', {'data-target': t.target, 'data-case': c.case});
          tr.appendChild(cell('Route', 'route', r.route));
          tr.appendChild(cell('Target', 'id', t.target));
          tr.appendChild(cell('Case', 'case', c.case));
          tr.appendChild(cell('Result', 'result', badge(c.passed ? 'pass' : 'fail', c.passed ? 'closed' : 'open')));
          tr.appendChild(cell('Latency', 'latency', c.latency_ms + ' ms'));
          tr.appendChild(cell('Similarity', 'similarity',
              typeof c.similarity === 'number' ? c.similarity.toFixed(3) : '–'));
          tr.appendChild(cell('Why', 'signals', (c.failures || []).join('; ') || '–'));
          rows.appendChild(tr);
        }
      }
    }
    $('readiness').tBodies[0].replaceChildren(rows);
    $('readiness').hidden = false;
  }

  // ------------------------------------------------------------------ polling

  let polling = false;

  async function poll() {
    if (polling || needToken) {
      return;
    }
    polling = true;
    try {
      const [targets, routes] = await Promise.all([admin('/admin/targets'), admin('/admin/routes')]);
      if (!targets.ok || !routes.ok) {
        throw new Error('admin API: ' + targets.status + ' / ' + routes.status);
      }
      const now = Date.now();
      renderTargets((await targets.json()).targets || []);
      accumulate((await routes.json()).routes || [], now);
      renderRoutes(now);
      if (drillsAvailable) {
        const drills = await admin('/admin/drills');
        if (drills.status === 404) {
          drillsUnavailable();
        } else if (drills.ok) {
          renderDrills((await drills.json()).drills || []);
        }
      }
      const readiness = await admin('/admin/readiness');
      if (readiness.ok) {
        renderReadiness(await readiness.json());
      }
      setConn('live', 'live');
      $('updated').textContent = 'updated ' + new Date(now).toLocaleTimeString();
      document.body.dataset.ready = 'true';
    } catch (e) {
      if (!needToken) {
        setConn('error', 'cannot reach the admin API — retrying');
      }
    } finally {
      polling = false;
    }
  }

  poll();
  startEvents();
  setInterval(poll, POLL_MS);
})();
