// The saga console's page: plain DOM, no build step. Every value from the API is put in the page as text
// (textContent), never as HTML. The admin token stays in this tab's sessionStorage and goes out only as the
// Authorization header of /api calls to this origin.
'use strict';

(function () {
  const TOKEN_KEY = 'orderflow-console-token';
  const STATUSES = ['PENDING', 'PAID', 'CONFIRMED', 'PAYMENT_FAILED', 'CANCELLED', 'EXPIRED', 'UNKNOWN'];
  const LANES = [
    ['order', 'Order'],
    ['payment', 'Payment'],
    ['inventory', 'Reservation'],
    ['notification', 'Notification'],
  ];
  const state = { view: 'orders', openOrder: null, timers: [] };

  /** Builds an element: h('td', { class: 'x', onclick: f }, 'text', child…). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }

  function setStatus(text, kind) {
    const el = document.getElementById('status');
    el.textContent = text || '';
    el.className = kind || '';
  }

  function fill(id, ...children) {
    const el = document.getElementById(id);
    el.replaceChildren(...children.flat());
    return el;
  }

  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';

  /** Calls the console's API; problem+json answers become an Error carrying the problem's detail. */
  async function api(path, init) {
    const headers = { accept: 'application/json', authorization: `Bearer ${token()}` };
    if (init && init.body) headers['content-type'] = 'application/json';
    const res = await fetch(path, { ...init, headers });
    const text = await res.text();
    let body;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const detail = body && (body.detail || body.title);
      const err = new Error(`${res.status}: ${detail || text.slice(0, 200)}`);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function failed(err) {
    if (err.status === 401 || err.status === 403)
      setStatus(`Sign in with an admin token (npm run token -- --scope admin): ${err.message}`, 'error');
    else setStatus(err.message, 'error');
  }

  const time = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
  const json = (v) => h('pre', { class: 'json' }, JSON.stringify(v, null, 2));

  // ── Orders and journeys ──────────────────────────────────────────────────────────────────────────────

  async function loadOrders() {
    const status = document.getElementById('order-status').value;
    const { orders } = await api(
      `/api/orders?limit=100${status ? `&status=${encodeURIComponent(status)}` : ''}`,
    );
    const rows = orders.map((o) =>
      h(
        'tr',
        {
          'data-order-id': o.orderId,
          'data-status': o.status,
          class: `order ${o.orderId === state.openOrder ? 'open' : ''}`,
          onclick: () => openJourney(o.orderId),
        },
        h('td', { class: 'mono' }, o.orderId),
        h('td', {}, h('span', { class: `badge s-${o.status}` }, o.status)),
        h('td', {}, o.completed ? 'yes' : ''),
        h('td', {}, o.customerId || ''),
        h('td', { class: 'num' }, o.amount),
        h('td', {}, time(o.firstSeen)),
        h('td', {}, `${time(o.lastEvent)} ${o.lastTopic}`),
        h('td', { class: 'num' }, o.events),
        h('td', { class: `num ${o.deadLetters > 0 ? 'warn' : ''}` }, o.deadLetters),
      ),
    );
    document.querySelector('#orders-table tbody').replaceChildren(...rows);
    if (orders.length === 0)
      document
        .querySelector('#orders-table tbody')
        .append(h('tr', {}, h('td', { colspan: 9, class: 'empty' }, 'no orders seen yet')));
  }

  function schemaTag(e) {
    return h(
      'span',
      { class: 'schema-version', title: `registry schema id ${e.schemaId}` },
      `${e.subject} v${e.schemaVersion === null ? '?' : e.schemaVersion} (id ${e.schemaId === null ? '?' : e.schemaId})`,
    );
  }

  function eventCard(e) {
    return h(
      'details',
      { class: 'event', 'data-topic': e.topic, 'data-schema-version': e.schemaVersion },
      h(
        'summary',
        {},
        h('strong', {}, e.topic),
        ' ',
        h('span', { class: 'summary' }, e.summary),
        h('br'),
        h('small', {}, time(e.occurredAt || e.timestamp), ' · ', e.recordName, ' · ', schemaTag(e)),
      ),
      h(
        'div',
        { class: 'where' },
        `partition ${e.partition} offset ${e.offset} · eventId ${e.eventId || '?'}`,
      ),
      e.error ? h('p', { class: 'error' }, e.error) : json(e.value),
    );
  }

  function deadLetterCard(d, onReplay) {
    return h(
      'div',
      { class: 'dead-letter', 'data-topic': d.topic, 'data-offset': `${d.partition}:${d.offset}` },
      h('strong', {}, d.topic),
      ` partition ${d.partition} offset ${d.offset} · `,
      h('span', { class: 'error-code' }, d.errorCode || d.headers['dlt-error-code'] || ''),
      h('p', {}, d.errorMessage || d.headers['dlt-error-message'] || ''),
      onReplay && h('button', { class: 'replay', type: 'button', onclick: onReplay }, 'Replay'),
      d.value ? json(d.value) : d.error ? h('p', { class: 'error' }, d.error) : null,
    );
  }

  async function openJourney(orderId) {
    state.openOrder = orderId;
    state.journeyShown = undefined;
    location.hash = `orders/${orderId}`;
    await renderJourney();
  }

  async function renderJourney() {
    if (!state.openOrder) return;
    const j = await api(`/api/orders/${encodeURIComponent(state.openOrder)}`);
    // The page refreshes every 2 s: redraw only when the journey changed, so an event the user opened
    // stays open (and a click never lands on a node that was just replaced).
    const seen = JSON.stringify(j);
    if (seen === state.journeyShown) return;
    state.journeyShown = seen;
    const lanes = LANES.map(([lane, title]) =>
      h(
        'div',
        { class: 'lane', 'data-lane': lane },
        h('h4', {}, title),
        (j.lanes[lane] || []).length === 0
          ? h('p', { class: 'empty' }, 'nothing yet')
          : j.lanes[lane].map(eventCard),
      ),
    );
    const replayOne = (d) => () =>
      replay(d.originalTopic, `${d.partition}:${d.offset}`).then(renderJourney, failed);
    fill(
      'journey',
      h(
        'div',
        {
          class: 'journey',
          'data-order-id': j.orderId,
          'data-status': j.status,
          'data-completed': String(j.completed),
        },
        h(
          'h3',
          {},
          'Journey of ',
          h('span', { class: 'mono' }, j.orderId),
          ' ',
          h('span', { class: `badge s-${j.status}` }, j.status),
          j.completed ? h('span', { class: 'badge told' }, 'customer told') : null,
        ),
        h(
          'p',
          {},
          `customer ${j.customerId || '?'} · ${j.amount} · ${j.events.length} event(s) on the topics`,
        ),
        h('div', { class: 'lanes' }, lanes),
        h('h4', {}, 'Order timeline (every event, as it happened)'),
        h(
          'ol',
          { class: 'timeline' },
          j.events.map((e) =>
            h(
              'li',
              {},
              time(e.occurredAt || e.timestamp),
              ' ',
              h('strong', {}, e.topic),
              ` (${e.producer}) `,
              e.summary,
              ' · ',
              schemaTag(e),
            ),
          ),
        ),
        h('h4', {}, `Dead letters (${j.deadLetters.length})`),
        j.deadLetters.length === 0
          ? h('p', { class: 'empty' }, 'none')
          : j.deadLetters.map((d) => deadLetterCard(d, replayOne(d))),
        h(
          'details',
          {},
          h('summary', {}, 'Payment service record (GET /payments/{orderId})'),
          json(j.payment),
        ),
        h(
          'details',
          {},
          h('summary', {}, 'Notification service records (GET /notifications)'),
          json(j.notifications),
        ),
      ),
    );
  }

  // ── Topic graph ──────────────────────────────────────────────────────────────────────────────────────

  async function loadTopology() {
    const g = await api('/api/topology');
    const rowH = 46;
    const height = Math.max(g.topics.length, g.services.length) * rowH + 40;
    const x = { producer: 20, topic: 330, consumer: 700 };
    const boxW = { service: 150, topic: 260 };
    const serviceY = (i) => 30 + i * ((height - 60) / Math.max(1, g.services.length - 1 || 1));
    const topicY = (i) => 20 + i * rowH;
    const root = svg('svg', {
      viewBox: `0 0 ${x.consumer + boxW.service + 20} ${height}`,
      class: 'graph',
      role: 'img',
    });
    root.append(svg('title', {}, 'producer → topic → consumers'));
    g.topics.forEach((t, i) => {
      const ty = topicY(i) + 15;
      const p = g.services.indexOf(t.producer);
      root.append(
        svg('line', {
          x1: x.producer + boxW.service,
          y1: serviceY(p),
          x2: x.topic,
          y2: ty,
          class: `edge ${t.compensation ? 'compensation' : ''}`,
        }),
      );
      for (const c of t.consumers) {
        const ci = g.services.indexOf(c);
        root.append(
          svg('line', {
            x1: x.topic + boxW.topic,
            y1: ty,
            x2: x.consumer,
            y2: serviceY(ci),
            class: `edge ${t.compensation ? 'compensation' : ''}`,
          }),
        );
      }
    });
    g.services.forEach((s, i) => {
      for (const side of ['producer', 'consumer']) {
        const gEl = svg('g', { class: 'service', 'data-service': s });
        gEl.append(svg('rect', { x: x[side], y: serviceY(i) - 14, width: boxW.service, height: 28, rx: 6 }));
        gEl.append(
          svg('text', { x: x[side] + boxW.service / 2, y: serviceY(i) + 5, 'text-anchor': 'middle' }, s),
        );
        root.append(gEl);
      }
    });
    g.topics.forEach((t, i) => {
      const gEl = svg('g', { class: `topic ${t.compensation ? 'compensation' : ''}`, 'data-topic': t.topic });
      gEl.append(svg('rect', { x: x.topic, y: topicY(i), width: boxW.topic, height: 30, rx: 4 }));
      gEl.append(
        svg(
          'text',
          { x: x.topic + boxW.topic / 2, y: topicY(i) + 20, 'text-anchor': 'middle' },
          `${t.topic}${t.compensation ? ' (compensation)' : ''}`,
        ),
      );
      root.append(gEl);
    });
    fill(
      'graph',
      h(
        'div',
        { class: 'columns-legend' },
        h('span', {}, 'producers'),
        h('span', {}, 'topics'),
        h('span', {}, 'consumers'),
      ),
      root,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'topic'),
            h('th', {}, 'producer'),
            h('th', {}, 'consumers'),
            h('th', {}, 'partitions'),
            h('th', {}, 'dead letters'),
          ),
        ),
        h(
          'tbody',
          {},
          g.topics.map((t) =>
            h(
              'tr',
              { class: t.compensation ? 'compensation' : '' },
              h(
                'td',
                {},
                t.topic,
                t.compensation ? h('span', { class: 'badge comp' }, 'compensation') : null,
              ),
              h('td', {}, t.producer),
              h('td', {}, t.consumers.join(', ')),
              h('td', { class: 'num' }, t.partitions),
              h('td', {}, t.deadLetterTopic),
            ),
          ),
        ),
      ),
    );
  }

  // ── Health ───────────────────────────────────────────────────────────────────────────────────────────

  async function loadHealth() {
    const { services } = await api('/api/health');
    fill(
      'health',
      services.map((s) =>
        h(
          'div',
          { class: `card state-${s.state.replace(' ', '-')}`, 'data-service': s.service },
          h('h3', {}, s.service, ' ', h('span', { class: 'badge' }, s.state)),
          h('p', { class: 'hint' }, s.url),
          s.error ? h('p', { class: 'error' }, s.error) : null,
          h(
            'dl',
            {},
            h('dt', {}, 'outbox backlog'),
            h('dd', {}, s.outboxPending === null ? '–' : `${s.outboxPending} row(s)`),
            h('dt', {}, 'oldest unpublished'),
            h('dd', {}, s.outboxLagSeconds === null ? '–' : `${s.outboxLagSeconds.toFixed(1)} s`),
            h('dt', {}, 'stalled partitions'),
            h('dd', { class: s.stalledPartitions > 0 ? 'warn' : '' }, s.stalledPartitions),
            h('dt', {}, 'total lag'),
            h('dd', {}, s.totalLag),
          ),
          Object.keys(s.checks).length > 0
            ? h(
                'ul',
                { class: 'checks' },
                Object.entries(s.checks).map(([k, v]) =>
                  h('li', { class: v === 'ok' ? 'ok' : 'warn' }, `${k}: ${v}`),
                ),
              )
            : null,
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, 'topic'), h('th', {}, 'partition'), h('th', {}, 'lag'))),
            h(
              'tbody',
              {},
              s.lag.map((l) =>
                h(
                  'tr',
                  {},
                  h('td', {}, l.topic),
                  h('td', { class: 'num' }, l.partition),
                  h('td', { class: `num ${l.lag > 0 ? 'warn' : ''}` }, l.lag),
                ),
              ),
            ),
          ),
          s.deadLettered.length > 0
            ? h(
                'p',
                { class: 'warn' },
                'dead-lettered since start: ',
                s.deadLettered.map((d) => `${d.topic} (${d.class}) ×${d.count}`).join(', '),
              )
            : null,
        ),
      ),
    );
  }

  // ── Dead letters ─────────────────────────────────────────────────────────────────────────────────────

  async function replay(topic, offset) {
    const body = offset === 'all' ? { all: true } : { offset };
    const r = await api(`/api/dead-letters/${encodeURIComponent(topic)}/replay`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    const lines = r.outcomes.map(
      (o) => `${r.dlt} ${o.partition}:${o.offset} ${o.result}${o.reason ? `: ${o.reason}` : ''}`,
    );
    setStatus(
      lines.length === 0 ? `nothing to replay on ${r.dlt}` : lines.join('; '),
      r.outcomes.some((o) => o.result === 'refused') ? 'error' : 'ok',
    );
    const result =
      document.getElementById('replay-result') ||
      document.body.appendChild(h('div', { id: 'replay-result', hidden: true }));
    result.textContent = JSON.stringify(r);
    return r;
  }

  async function loadDeadLetters() {
    const { deadLetters } = await api('/api/dead-letters');
    fill(
      'dlts',
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['dead-letter topic', 'messages', 'not replayed', 'latest', 'latest error codes', ''].map((t) =>
              h('th', {}, t),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          deadLetters.map((d) =>
            h(
              'tr',
              { class: 'dlt-row', 'data-dlt': d.dlt },
              h('td', {}, d.dlt),
              h('td', { class: 'num' }, d.messages),
              h('td', { class: `num ${d.pending > 0 ? 'warn' : ''}` }, d.pending),
              h('td', {}, time(d.latest) || '–'),
              h(
                'td',
                {},
                Object.entries(d.errorCodes)
                  .map(([c, n]) => `${c} ×${n}`)
                  .join(', ') || '–',
              ),
              h(
                'td',
                {},
                h(
                  'button',
                  { type: 'button', class: 'show', onclick: () => showDeadLetters(d.topic).catch(failed) },
                  'Show',
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function showDeadLetters(topic) {
    const r = await api(`/api/dead-letters/${encodeURIComponent(topic)}?limit=50`);
    const again = () => showDeadLetters(topic).then(loadDeadLetters).catch(failed);
    fill(
      'dlt-messages',
      h('h3', {}, `${r.dlt}: ${r.total} message(s), the newest ${r.messages.length}`),
      h(
        'button',
        { type: 'button', class: 'replay-all', onclick: () => replay(topic, 'all').then(again, failed) },
        'Replay all not yet replayed',
      ),
      r.messages.map((m) =>
        h(
          'div',
          {
            class: `dlt-message ${m.replayed ? 'replayed' : ''}`,
            'data-offset': `${m.partition}:${m.offset}`,
            'data-key': m.key || '',
          },
          h('strong', {}, `partition ${m.partition} offset ${m.offset}`),
          ` · ${time(m.timestamp)} · key ${m.key || '(null)'} · ${m.replayed ? 'replayed' : 'not replayed'} · schema id ${m.schemaId === null ? '?' : m.schemaId}`,
          h(
            'table',
            { class: 'headers' },
            Object.entries(m.headers).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))),
          ),
          m.value.kind === 'decoded' || m.value.kind === 'invalid'
            ? [
                m.value.kind === 'invalid' ? h('p', { class: 'error' }, `invalid: ${m.value.issues}`) : null,
                json(m.value.value),
              ]
            : h(
                'p',
                { class: 'error' },
                m.value.kind === 'null' ? 'no value' : `not decodable: ${m.value.reason} ${m.value.preview}`,
              ),
          m.replayed
            ? null
            : h(
                'button',
                {
                  type: 'button',
                  class: 'replay',
                  onclick: () => replay(topic, `${m.partition}:${m.offset}`).then(again, failed),
                },
                'Replay',
              ),
        ),
      ),
    );
  }

  // ── Registry ─────────────────────────────────────────────────────────────────────────────────────────

  async function loadSubjects() {
    const { subjects } = await api('/api/subjects');
    fill(
      'subjects',
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['subject', 'topic', 'versions (id)', 'compatibility', 'topic table asks', 'diff'].map((t) =>
              h('th', {}, t),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          subjects.map((s) => {
            const versions = s.versions.map((v) => v.version);
            const pick = (name, selected) =>
              h(
                'select',
                { name, 'aria-label': `${s.subject} ${name}` },
                versions.map((v) => h('option', { value: v, selected: v === selected }, `v${v}`)),
              );
            const from = pick('from', versions[Math.max(0, versions.length - 2)]);
            const to = pick('to', versions[versions.length - 1]);
            const mismatch = s.expectedCompatibility && s.compatibility !== s.expectedCompatibility;
            return h(
              'tr',
              { 'data-subject': s.subject },
              h('td', {}, s.subject),
              h('td', {}, s.topic || '–'),
              h('td', {}, s.versions.map((v) => `v${v.version} (${v.id})`).join(', ')),
              h('td', { class: mismatch ? 'warn' : '' }, s.compatibility || '(registry default)'),
              h('td', {}, s.expectedCompatibility || '–'),
              h(
                'td',
                {},
                from,
                ' → ',
                to,
                ' ',
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'diff',
                    onclick: () => showDiff(s.subject, from.value, to.value).catch(failed),
                  },
                  'Diff',
                ),
              ),
            );
          }),
        ),
      ),
    );
  }

  async function showDiff(subject, from, to) {
    const r = await api(`/api/subjects/${encodeURIComponent(subject)}/diff?from=${from}&to=${to}`);
    const changed = r.diff.filter((l) => l.op !== ' ').length;
    fill(
      'diff',
      h(
        'h3',
        {},
        `${subject}: v${r.from.version} (id ${r.from.id}) → v${r.to.version} (id ${r.to.id}), ${changed} line(s) changed`,
      ),
      h(
        'pre',
        { class: 'diff' },
        r.diff.map((l) =>
          h('span', { class: l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same' }, `${l.op} ${l.text}\n`),
        ),
      ),
    );
  }

  // ── Reference ────────────────────────────────────────────────────────────────────────────────────────

  async function loadReference() {
    const { events } = await api('/api/reference');
    fill(
      'reference',
      h(
        'ul',
        { class: 'toc' },
        events.map((e) =>
          h(
            'li',
            {},
            h('a', { href: `#reference/${e.topic}` }, e.recordName.split('.').pop()),
            ` (${e.topic})`,
          ),
        ),
      ),
      events.map((e) =>
        h(
          'article',
          { class: 'event-doc', id: `ref-${e.topic}` },
          h(
            'h3',
            {},
            e.recordName,
            ' ',
            e.compensation ? h('span', { class: 'badge comp' }, 'compensation') : null,
          ),
          h('p', {}, e.doc),
          h('p', { class: 'hint' }, `topic ${e.topic} · subject ${e.subject} · ${e.compatibility}`),
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['field', 'type', 'description', 'default'].map((t) => h('th', {}, t)),
              ),
            ),
            h(
              'tbody',
              {},
              e.fields.map((f) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'mono' }, f.path),
                  h('td', { class: 'mono' }, f.type),
                  h('td', {}, f.doc),
                  h('td', { class: 'mono' }, f.default || ''),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  // ── Navigation ───────────────────────────────────────────────────────────────────────────────────────

  const LOADERS = {
    orders: [loadOrders, renderJourney],
    topology: [loadTopology],
    health: [loadHealth],
    'dead-letters': [loadDeadLetters],
    registry: [loadSubjects],
    reference: [loadReference],
  };
  const REFRESH_MS = { orders: 2000, health: 5000 };

  function show(view) {
    state.view = LOADERS[view] ? view : 'orders';
    for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== `view-${state.view}`;
    for (const a of document.querySelectorAll('#tabs a'))
      a.classList.toggle('active', a.dataset.view === state.view);
    for (const t of state.timers) clearInterval(t);
    state.timers = [];
    const load = () =>
      Promise.all(LOADERS[state.view].map((f) => f())).then(
        () => document.getElementById('status').className !== 'ok' && setStatus(''),
        failed,
      );
    if (!token()) {
      setStatus('Sign in with an admin token: npm run token -- --scope admin', 'error');
      return;
    }
    void load();
    if (REFRESH_MS[state.view]) state.timers.push(setInterval(load, REFRESH_MS[state.view]));
  }

  function route() {
    const [view, arg] = location.hash.replace(/^#/, '').split('/');
    if (view === 'orders' && arg) state.openOrder = decodeURIComponent(arg);
    show(view || 'orders');
    if (view === 'reference' && arg) {
      const el = document.getElementById(`ref-${arg}`);
      if (el) el.scrollIntoView();
    }
  }

  document.getElementById('order-status').append(...STATUSES.map((s) => h('option', { value: s }, s)));
  document.getElementById('order-status').addEventListener('change', () => loadOrders().catch(failed));
  document.getElementById('signin').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = document.getElementById('token');
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    setStatus('signed in', 'ok');
    route();
  });
  document.getElementById('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    route();
  });
  window.addEventListener('hashchange', route);
  route();
})();
