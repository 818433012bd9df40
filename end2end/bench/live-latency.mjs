// How fast a change by one partner shows on another person's open page, on every page that is live: the board,
// the charter, content, the performance dashboard, and a creator's portal.
//
// One campaign of realistic size (300 creators through the CSV import, one tracked post each with 200 days of
// figures, so that the dashboard is about 220 kB of JSON, a briefed creator with a portal account). Partner A (or the
// creator, for the portal) has the page open in headless Chromium; partner B makes N changes through the JSON API,
// one at a time, each one the page shows: a card moved (board), the value proposition saved (charter), a
// deliverable briefed (content; on the portal, briefed to her), a day's figures corrected (performance: the
// funnel's impressions change). Per change: from the moment the write is sent to the moment the changed text is in
// the page (a MutationObserver), and the bytes the page fetched for it.
//
//   node bench/live-latency.mjs [--changes 60] [--warmup 3] [--pages board,charter,content,performance,portal]
//                               [--out bench/live-latency.json]
//
// Environment: CHORUS_BIN (default $CARGO_TARGET_DIR/release/chorus), CHORUS_SITE_ROOT (default ../target/site),
// CHROMIUM (default /usr/bin/chromium). A benchmark, not a test: it asserts no time and never runs in CI. Results: a
// Markdown table on stdout and a JSON file (--out).
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const ALL_PAGES = ['board', 'charter', 'content', 'performance', 'portal'];

function parseArgs(argv) {
  const opts = { changes: 60, warmup: 3, pages: ALL_PAGES, out: join(here, 'live-latency.json'), gapMin: 150, gapMax: 300, timeoutMs: 10000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--changes') opts.changes = Number(next());
    else if (a === '--warmup') opts.warmup = Number(next());
    else if (a === '--pages') opts.pages = next().split(',');
    else if (a === '--out') opts.out = resolve(next());
    else if (a === '--gap-ms') [opts.gapMin, opts.gapMax] = next().split(',').map(Number);
    else if (a === '--help' || a === '-h') {
      console.log('node bench/live-latency.mjs [--changes 60] [--warmup 3] [--pages board,charter,content,performance,portal] [--gap-ms 150,300] [--out FILE]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const p of opts.pages) if (!ALL_PAGES.includes(p)) throw new Error(`unknown page ${p} (${ALL_PAGES.join(', ')})`);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/chorus-target');
process.env.CHORUS_BIN ||= join(targetDir, 'release/chorus');
process.env.CHORUS_SITE_ROOT ||= join(root, 'target/site');
for (const [what, path] of [['CHORUS_BIN', process.env.CHORUS_BIN], ['CHORUS_SITE_ROOT', process.env.CHORUS_SITE_ROOT]]) {
  if (!existsSync(path)) {
    console.error(`${what}=${path} does not exist: build the site first (scripts/build-site.sh)`);
    process.exit(2);
  }
}
const { startServer, startBrowser, api, signUp, contextFor } = await import('../tests/harness.mjs');
const { boardCsv, importCsv } = await import('./seed.mjs');

// ---- In the page -----------------------------------------------------------------------------------

// Installed before any page script: `__live.expect(selector, text)` notes the wall-clock time at which an element
// matching `selector` first contains `text`, checked on every DOM mutation.
function pageInstrumentation() {
  const wall = () => performance.timeOrigin + performance.now();
  const live = (window.__live = {
    pending: null,
    expect(selector, text) {
      const p = { selector, text, seen: null, fetchedFrom: performance.getEntriesByType('resource').length };
      p.done = new Promise((resolve) => (p.resolve = resolve));
      this.pending = p;
      this.check();
    },
    check() {
      const p = this.pending;
      if (!p || p.seen !== null) return;
      for (const el of document.querySelectorAll(p.selector)) {
        if (el.textContent.includes(p.text)) {
          p.seen = wall();
          p.resolve(p.seen);
          return;
        }
      }
    },
    /** Server-function answers fetched since the change was expected (what the page loaded for it). */
    fetched() {
      const p = this.pending;
      const entries = performance.getEntriesByType('resource').slice(p ? p.fetchedFrom : 0);
      const sfn = entries.filter((e) => new URL(e.name).pathname.startsWith('/sfn/'));
      return { requests: sfn.length, bytes: sfn.reduce((s, e) => s + (e.decodedBodySize || 0), 0), names: sfn.map((e) => new URL(e.name).pathname) };
    },
  });
  performance.setResourceTimingBufferSize?.(100000);
  new MutationObserver(() => live.check()).observe(document, { childList: true, subtree: true, characterData: true });
}

// ---- Statistics ------------------------------------------------------------------------------------

/** Nearest-rank percentile (as chorus-bench). */
function pct(values, p) {
  const v = [...values].sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v[Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length))) - 1];
}
const summary = (values) => ({ p50: pct(values, 50), p95: pct(values, 95), max: values.length ? Math.max(...values) : NaN, n: values.length });
const f = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const wall = () => performance.timeOrigin + performance.now();
const day = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);

/** splitmix-ish: the same gaps every run. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- Seeding ---------------------------------------------------------------------------------------

async function seed(server) {
  const a = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  const b = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  const id = (await api(server, a, 'POST', '/api/v1/campaigns', { name: 'Live latency' })).json.id;
  const inv = (await api(server, a, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'partner' })).json;
  await api(server, b, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  await importCsv(server, a, id, boardCsv(300, ['Northwind Outdoor', 'Brightline Social']), 'pool.csv');
  const board = (await api(server, b, 'GET', `/api/v1/campaigns/${id}/board`)).json;
  const cards = new Map(board.cards.map((c) => [c.id, { stage: c.stage, version: c.version, platform: c.platform }]));

  // 300 posts with 200 days of figures each: the dashboard is about 220 kB of JSON.
  const posts = [];
  for (const [cardId, c] of cards) {
    const post = (await api(server, b, 'POST', `/api/v1/campaigns/${id}/posts`, { creator_id: cardId, platform: c.platform, url: `https://social.example/${cardId}` })).json;
    posts.push(post.id);
  }
  const r = rng(7);
  const rows = [];
  for (const post of posts) {
    for (let d = 1; d <= 200; d++) {
      const likes = Math.floor(50 + r() * 2000);
      rows.push({ post_id: post, day: day(d), impressions: likes * 30, reach: likes * 12, likes, comments: likes >> 4, shares: likes >> 5, saves: likes >> 5, clicks: likes >> 3, conversions: likes >> 7, revenue_cents: likes * 40, fee_cents: d === 200 ? 20000 : 0 });
    }
  }
  for (let i = 0; i < rows.length; i += 5000) {
    await api(server, b, 'POST', `/api/v1/campaigns/${id}/metrics`, { source: 'csv:history', rows: rows.slice(i, i + 5000) });
  }

  // A creator with a portal account, briefed once.
  const creator = [...cards.keys()][150];
  const cinv = (await api(server, b, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'creator', creator_id: creator })).json;
  const signup = await fetch(`${server.base}/auth/creator-signup`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: cinv.token, name: 'Priya Nair', email: 'priya@creators.example', password: 'creator-pass' }),
  });
  const priya = (signup.headers.get('set-cookie') || '').split(';')[0];
  if (!priya) throw new Error(`creator sign-up: ${signup.status}`);
  for (let i = 0; i < 5; i++) {
    await api(server, b, 'POST', `/api/v1/campaigns/${id}/deliverables`, { creator_id: [...cards.keys()][i], lane: 'ugc', title: `Clip ${i}`, expectations: 'A 20-second clip', due_date: '2027-04-20', fee_cents: 45000 });
  }
  return { a, b, id, cards, posts, creator, priya };
}

// ---- The pages and their changes ----------------------------------------------------------------------

const FLOW = ['prospect', 'contacted', 'negotiating', 'contracted', 'briefed', 'content_in_progress', 'posted', 'paid'];

/** Per page: where, who looks, when it is live, and how to make the i-th change (returns what to wait for). */
function pages(s, server) {
  const r = rng(42);
  const ids = [...s.cards.keys()].filter((k) => FLOW.includes(s.cards.get(k).stage));
  let charterVersion = null;
  let figures = null;
  return {
    board: {
      path: `/campaigns/${s.id}`, viewer: s.a, live: '.live[data-status="live"]',
      async change() {
        const cardId = ids[Math.floor(r() * ids.length)];
        const c = s.cards.get(cardId);
        const choices = FLOW.filter((x) => x !== c.stage);
        const to = choices[Math.floor(r() * choices.length)];
        return {
          selector: `section.column[data-stage="${to}"] li[data-card-id="${cardId}"]`, text: '',
          write: async () => {
            const moved = (await api(server, s.b, 'POST', `/api/v1/campaigns/${s.id}/creators/${cardId}/move`, { stage: to, version: c.version })).json;
            s.cards.set(cardId, { ...c, stage: moved.stage, version: moved.version });
          },
        };
      },
    },
    charter: {
      path: `/campaigns/${s.id}/charter`, viewer: s.a, live: '.charter-page[data-live="live"]',
      async change(i) {
        if (charterVersion === null) {
          const view = (await api(server, s.b, 'GET', `/api/v1/campaigns/${s.id}/charter`)).json;
          charterVersion = view.sections.find((x) => x.section === 'value_proposition').version;
        }
        const text = `Trail-tested gear, proposition ${i} ${Math.floor(r() * 1e6)}`;
        return {
          selector: '.charter-page', text,
          write: async () => {
            const saved = (await api(server, s.b, 'PUT', `/api/v1/campaigns/${s.id}/charter/sections/value_proposition`, { body: { propositions: [text] }, version: charterVersion })).json;
            charterVersion = saved.version ?? charterVersion + 1;
          },
        };
      },
    },
    content: {
      path: `/campaigns/${s.id}/content`, viewer: s.a, live: 'section.content-page[data-live="live"]',
      async change(i) {
        const title = `Bench clip ${i}-${Math.floor(r() * 1e6)}`;
        const creator = [...s.cards.keys()][i % 20];
        return {
          selector: 'section.content-page .lanes', text: title, // the lane, not the toast
          write: () => api(server, s.b, 'POST', `/api/v1/campaigns/${s.id}/deliverables`, { creator_id: creator, lane: i % 2 ? 'ugc' : 'influencer', title, expectations: 'A clip', due_date: '2027-05-01', fee_cents: 10000 }),
        };
      },
    },
    performance: {
      path: `/campaigns/${s.id}/performance`, viewer: s.a, live: 'section.dashboard[data-live="live"]',
      async change(i) {
        // Yesterday's impressions of the first post, set to a new value each time (first to a known one).
        const post = s.posts[0];
        const write = (impressions) => api(server, s.b, 'POST', `/api/v1/campaigns/${s.id}/metrics`, { source: 'api:bench', rows: [{ post_id: post, day: day(1), impressions, reach: 20000, likes: 900, comments: 100, clicks: 100, conversions: 5, revenue_cents: 90000 }] });
        if (figures === null) {
          await write(999_999);
          const d = (await api(server, s.b, 'GET', `/api/v1/campaigns/${s.id}/dashboard`)).json;
          figures = { total: d.totals.impressions, current: 999_999 };
        }
        const value = 1_000_000 + i * 1_013 + Math.floor(r() * 1000);
        const expected = figures.total - figures.current + value;
        return {
          selector: '[data-testid="funnel"]', text: expected.toLocaleString('en-US'),
          write: async () => {
            await write(value);
            figures.total = expected;
            figures.current = value;
          },
        };
      },
    },
    portal: {
      path: `/portal/campaigns/${s.id}`, viewer: s.priya, live: 'section.portal[data-live="live"]',
      async change(i) {
        const title = `For Priya ${i}-${Math.floor(r() * 1e6)}`;
        return {
          selector: 'section.portal .portal-deliverables', text: title, // the list, not the toast
          write: () => api(server, s.b, 'POST', `/api/v1/campaigns/${s.id}/deliverables`, { creator_id: s.creator, lane: 'ugc', title, expectations: 'A clip', due_date: '2027-05-01', fee_cents: 10000 }),
        };
      },
    },
  };
}

// ---- Run -------------------------------------------------------------------------------------------

const result = {
  when: new Date().toISOString(),
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
  commit: (() => { try { return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD']).toString().trim(); } catch { return null; } })(),
  bin: process.env.CHORUS_BIN,
  site: process.env.CHORUS_SITE_ROOT,
  command: process.env.CHORUS_BENCH_COMMAND || `node bench/live-latency.mjs${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
  changes: opts.changes,
  warmup: opts.warmup,
  pages: {},
};
const pkg = join(process.env.CHORUS_SITE_ROOT, 'pkg');
result.wasm = existsSync(pkg) ? readdirSync(pkg).filter((n) => n.endsWith('.wasm')).map((n) => ({ file: n, bytes: statSync(join(pkg, n)).size })) : [];

const loadBefore = loadavg();
const server = await startServer();
const browser = await startBrowser();
result.chromium = browser.version();
let exitCode = 0;
try {
  const t0 = Date.now();
  const s = await seed(server);
  result.seedSeconds = (Date.now() - t0) / 1000;
  result.dashboardBytes = JSON.stringify((await api(server, s.a, 'GET', `/api/v1/campaigns/${s.id}/dashboard`)).json).length;
  console.error(`[live] seeded in ${result.seedSeconds.toFixed(1)} s (dashboard ${(result.dashboardBytes / 1000).toFixed(0)} kB of JSON)`);
  const all = pages(s, server);
  const gap = rng(3);
  for (const name of opts.pages) {
    const def = all[name];
    const ctx = await contextFor(browser, server, def.viewer);
    const page = await ctx.newPage();
    const errors = [];
    const sockets = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.addInitScript(pageInstrumentation);
    await page.goto(`${server.base}${def.path}`, { timeout: 60000 });
    await page.locator(def.live).waitFor({ timeout: 60000 });
    await sleep(1000);
    const samples = [];
    for (let i = 0; i < opts.warmup + opts.changes; i++) {
      const c = await def.change(i);
      await page.evaluate(([sel, text]) => window.__live.expect(sel, text), [c.selector, c.text]);
      const sent = wall();
      await c.write();
      const answered = wall();
      const seen = await page.evaluate((ms) => Promise.race([window.__live.pending.done, new Promise((r) => setTimeout(() => r(null), ms))]), opts.timeoutMs);
      if (seen === null) throw new Error(`${name}: change ${i} did not show within ${opts.timeoutMs} ms (waiting for ${JSON.stringify(c.text)} in ${c.selector})`);
      await sleep(50); // the answer of a fetch is complete before its resource entry is
      const fetched = await page.evaluate(() => window.__live.fetched());
      if (i >= opts.warmup) samples.push({ sentToVisible: seen - sent, httpWrite: answered - sent, fetchedBytes: fetched.bytes, fetches: fetched.requests });
      await sleep(opts.gapMin + gap() * (opts.gapMax - opts.gapMin));
    }
    result.pages[name] = {
      path: def.path.replace(String(s.id), '{id}'),
      sentToVisible: summary(samples.map((x) => x.sentToVisible)),
      httpWrite: summary(samples.map((x) => x.httpWrite)),
      fetchedBytes: summary(samples.map((x) => x.fetchedBytes)),
      fetches: samples.reduce((n, x) => n + x.fetches, 0) / samples.length,
      webSockets: sockets.length,
      errors,
      samples,
    };
    const p = result.pages[name];
    console.error(`[live] ${name}: p50 ${f(p.sentToVisible.p50)} ms, p95 ${f(p.sentToVisible.p95)} ms, max ${f(p.sentToVisible.max)} ms; ${f(p.fetchedBytes.p50 / 1000)} kB fetched per change (p50); ${sockets.length} WebSocket(s)`);
    await ctx.close();
  }
} catch (e) {
  console.error(e);
  console.error(server.log().slice(-3000));
  exitCode = 1;
} finally {
  await browser.close();
  await server.stop();
}
result.loadAverage = { before: loadBefore.map((v) => +v.toFixed(2)), after: loadavg().map((v) => +v.toFixed(2)) };

if (exitCode === 0) {
  writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  console.log(markdown(result));
  console.error(`[live] written ${opts.out}`);
}
process.exit(exitCode);

function markdown(r) {
  let s = `Measured ${r.when.slice(0, 16).replace('T', ' ')} UTC by \`${r.command}\` on ${r.machine}, ${r.chromium} headless, commit \`${r.commit}\`; `;
  s += `load average before / after ${r.loadAverage.before.join(' ')} / ${r.loadAverage.after.join(' ')}. `;
  s += `Dashboard ${(r.dashboardBytes / 1000).toFixed(0)} kB of JSON. ${r.changes} changes per page (after ${r.warmup} unmeasured), one at a time.\n\n`;
  s += '| page | change (by partner B, JSON API) | sent → visible p50 | p95 | max | p95 ≤ 150 ms | HTTP write p50 | fetched per change (p50) | WebSockets |\n';
  s += '|---|---|---:|---:|---:|:--:|---:|---:|---:|\n';
  const what = { board: 'a card moved', charter: 'value proposition saved', content: 'a deliverable briefed', performance: "a day's figures corrected", portal: 'a deliverable briefed to her' };
  for (const [name, p] of Object.entries(r.pages)) {
    const ok = p.sentToVisible.p95 <= 150 ? 'met' : '**missed**';
    s += `| ${name} (\`${p.path}\`) | ${what[name]} | ${f(p.sentToVisible.p50)} ms | ${f(p.sentToVisible.p95)} ms | ${f(p.sentToVisible.max)} ms | ${ok} | ${f(p.httpWrite.p50)} ms | ${f(p.fetchedBytes.p50 / 1000, 1)} kB | ${p.webSockets} |\n`;
  }
  return s;
}
