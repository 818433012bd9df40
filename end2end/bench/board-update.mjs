// Client-side cost of a large board, measured in real headless Chromium against the release server.
//
// A campaign with 2,000 creators (added through the CSV import, as a partner would); partner A has the board open,
// partner B moves cards through the JSON API one after another, and the page measures, per move, how long it took
// from the WebSocket message arriving to the card standing in its new column (and to the frame showing it).
// Also: the first load of the board up to hydrated and live, and what the page holds in memory.
//
//   npm run bench:board                                  # from end2end/ (scripts/bench.sh --board runs it)
//   node bench/board-update.mjs --cards 2000 --moves 50 --warmup 3 --out bench/board-update.json \
//     [--write-doc ../docs/PERFORMANCE.md] [--profile] [--trace] [--extra-css '.card { … }']
//
// --write-doc replaces the block between the chorus-board markers of that file (appends one if there is none);
// --profile also records CPU profiles of the first load and of the measured moves (next to --out, *.cpuprofile)
// and lists the top self times (function names only if the bundle kept its name section; the release bundle does
// not); --trace records a Chromium trace of the measured moves and sums the page's work per thread and event.
// Both slow the page down: use them to see where the time goes, not for the figures. --extra-css appends rules to
// the site's stylesheet as it is served (to try a CSS change, e.g. content-visibility, without rebuilding).
//
// Environment: CHORUS_BIN (default $CARGO_TARGET_DIR/release/chorus), CHORUS_SITE_ROOT (default ../target/site,
// the release site of `cargo leptos build --release`), CHROMIUM (default /usr/bin/chromium).
// It is a benchmark, not a test: it asserts nothing about times and never runs in CI. Results: a Markdown table on
// stdout and a JSON file (--out).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

// ---- Arguments ------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = {
    cards: 2000,
    moves: 50,
    warmup: 3,
    gapMin: 150,
    gapMax: 300,
    out: join(here, 'board-update.json'),
    writeDoc: null,
    profile: false,
    trace: false,
    extraCss: '',
    timeoutMs: 15000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--cards') opts.cards = Number(next());
    else if (a === '--moves') opts.moves = Number(next());
    else if (a === '--warmup') opts.warmup = Number(next());
    else if (a === '--gap-ms') [opts.gapMin, opts.gapMax] = next().split(',').map(Number);
    else if (a === '--out') opts.out = resolve(next());
    else if (a === '--write-doc') opts.writeDoc = resolve(next());
    else if (a === '--profile') opts.profile = true;
    else if (a === '--trace') opts.trace = true;
    else if (a === '--extra-css') opts.extraCss = next();
    else if (a === '--help' || a === '-h') {
      console.log('node bench/board-update.mjs [--cards 2000] [--moves 50] [--warmup 3] [--gap-ms 150,300] [--out FILE] [--write-doc docs/PERFORMANCE.md] [--profile] [--trace] [--extra-css CSS]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/chorus-target');
process.env.CHORUS_BIN ||= join(targetDir, 'release/chorus');
process.env.CHORUS_SITE_ROOT ||= join(root, 'target/site');
for (const [what, path] of [['CHORUS_BIN', process.env.CHORUS_BIN], ['CHORUS_SITE_ROOT', process.env.CHORUS_SITE_ROOT]]) {
  if (!existsSync(path)) {
    console.error(`${what}=${path} does not exist: build the release site first (cargo leptos build --release)`);
    process.exit(2);
  }
}
// The harness reads the two variables when it is loaded.
const { startServer, startBrowser, api, signUp, contextFor } = await import('../tests/harness.mjs');

import { boardCsv, importCsv } from './seed.mjs';

// ---- What runs in the page ------------------------------------------------------------------------

// Installed before any page script. Wraps WebSocket to stamp every card_moved frame on arrival (this listener is
// added in the constructor, before the app sets `onmessage`, so it runs first), watches the board with a
// MutationObserver for the card the benchmark expects, and keeps hydration milestones and long tasks.
function pageInstrumentation() {
  const wall = () => performance.timeOrigin + performance.now();
  const b = (window.__bench = {
    moves: [],
    pending: null,
    longTasks: [],
    wsCreated: null,
    wsOpen: null,
    live: null,
    wasmMemory: null,
    expect(id, stage) {
      this.pending = { id: String(id), stage, msg: null, msgWall: null, at: null, dom: null, domWall: null, frame: null };
      this.pending.done = new Promise((resolve) => (this.pending.resolve = resolve));
    },
    check() {
      const p = this.pending;
      if (!p || p.dom !== null) return;
      if (document.querySelector(`section.column[data-stage="${p.stage}"] li[data-card-id="${p.id}"]`)) {
        p.dom = performance.now();
        p.domWall = wall();
        // The frame that shows it: the next animation frame, then the task after it (style, layout and paint of
        // that frame are done by then).
        requestAnimationFrame(() => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => {
            p.frame = performance.now();
            const { resolve, done, ...rest } = p;
            b.moves.push(rest);
            b.pending = null;
            resolve(rest);
          };
          ch.port2.postMessage(0);
        });
      }
    },
  });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      b.wsCreated ??= performance.now();
      this.addEventListener('open', () => (b.wsOpen ??= performance.now()));
      this.addEventListener('message', (ev) => {
        const p = b.pending;
        if (!p || p.msg !== null || typeof ev.data !== 'string' || !ev.data.includes('card_moved')) return;
        if (!ev.data.includes(`"card_id":${p.id},`) && !ev.data.includes(`"card_id":${p.id}}`)) return;
        p.msg = performance.now();
        p.msgWall = wall();
        const at = /"at":"([^"]+)"/.exec(ev.data);
        p.at = at ? Date.parse(at[1]) : null;
      });
    }
  };
  // The WASM instance, for the size of its linear memory (where the board's state lives; not in the JS heap).
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const orig = WebAssembly[name];
    WebAssembly[name] = async function (...args) {
      const result = await orig.apply(this, args);
      const instance = result.instance ?? result;
      if (instance?.exports?.memory) b.wasmMemory = instance.exports.memory;
      return result;
    };
  }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const observe = () => {
    const live = document.querySelector('.live');
    if (live) {
      const seen = () => {
        if (live.dataset.status === 'live' && b.live === null) b.live = performance.now();
      };
      seen();
      new MutationObserver(seen).observe(live, { attributes: true, attributeFilter: ['data-status'] });
    }
    const page = document.querySelector('.board-page') || document.body;
    new MutationObserver(() => b.check()).observe(page, { childList: true, subtree: true });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', observe);
  else observe();
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
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function metricsOf(list) {
  return Object.fromEntries(list.metrics.map((m) => [m.name, m.value]));
}

/** Self time of a CPU profile, grouped: WASM functions, the JS glue, GC, the rest. */
function profileSummary(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const fr = node.callFrame;
    const name = (fr.functionName || '(anonymous)').replace(/::h[0-9a-f]{16}$/, '');
    const file = fr.url ? fr.url.split('/').pop().replace(/\.[A-Za-z0-9_-]{22}\./, '.') : '';
    const key = `${name} ${file}`.trim();
    self.set(key, (self.get(key) || 0) + (dt[i + 1] ?? 0) / 1000);
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([fn, ms]) => ({ fn, ms: +ms.toFixed(2) }));
  return top;
}

/** Complete events of a Chromium trace on the page's threads, summed per name and thread (ms per move). */
function traceSummary(trace, moves) {
  const events = trace.traceEvents || trace;
  const threads = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args.name === 'CrRendererMain');
  const sums = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !e.dur || (main && e.pid !== main.pid)) continue;
    const thread = threads.get(`${e.pid}:${e.tid}`) || String(e.tid);
    const key = `${thread} · ${e.name}`;
    sums.set(key, (sums.get(key) || 0) + e.dur / 1000);
  }
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([what, ms]) => ({ what, msPerMove: +(ms / moves).toFixed(2) }));
}

// ---- Run -------------------------------------------------------------------------------------------

const result = {
  when: new Date().toISOString(),
  machine: `${(await import('node:os')).cpus().length} cores (${(await import('node:os')).cpus()[0]?.model ?? '?'})`,
  chromium: null,
  commit: (() => { try { return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD']).toString().trim(); } catch { return null; } })(),
  bin: process.env.CHORUS_BIN,
  site: process.env.CHORUS_SITE_ROOT,
  wasm: null,
  command: process.env.CHORUS_BENCH_COMMAND || `node bench/board-update.mjs${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
  cards: opts.cards,
  extraCss: opts.extraCss || null,
  moves: opts.moves,
  warmup: opts.warmup,
};
const wasmFile = (() => {
  const pkg = join(process.env.CHORUS_SITE_ROOT, 'pkg');
  const all = existsSync(pkg) ? readdirSync(pkg).filter((n) => n.endsWith('.wasm')) : [];
  // The board's own bundle (scripts/build-bundles.sh), else the newest module (development builds).
  const board = all.filter((n) => n.startsWith('board.'));
  const w = board.length ? board : all;
  return w.map((n) => join(pkg, n)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
})();
if (wasmFile) result.wasm = { file: wasmFile.split('/').pop(), bytes: statSync(wasmFile).size, built: statSync(wasmFile).mtime.toISOString() };

const loadBefore = (await import('node:os')).loadavg();
const server = await startServer();
const browser = await startBrowser();
result.chromium = browser.version();
let exitCode = 0;
try {
  // Two partners on one campaign.
  const a = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  const b = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  const campaignId = (await api(server, a, 'POST', '/api/v1/campaigns', { name: `Board of ${opts.cards}` })).json.id;
  const inv = (await api(server, a, 'POST', `/api/v1/campaigns/${campaignId}/invitations`, { kind: 'partner' })).json;
  await api(server, b, 'POST', `/api/v1/invitations/${inv.token}/accept`);

  const seedStart = Date.now();
  const imported = await importCsv(server, a, campaignId, boardCsv(opts.cards, ['Northwind Outdoor', 'Brightline Social']), `board-${opts.cards}.csv`);
  result.seedSeconds = (Date.now() - seedStart) / 1000;
  if (imported !== opts.cards) throw new Error(`imported ${imported} of ${opts.cards}`);
  const board = (await api(server, b, 'GET', `/api/v1/campaigns/${campaignId}/board`)).json;
  const cards = new Map(board.cards.map((c) => [c.id, { stage: c.stage, version: c.version }]));
  console.error(`[board] ${cards.size} cards imported in ${result.seedSeconds.toFixed(1)} s; opening the board as partner A`);

  // First load, as partner A: fresh context (empty cache), the page instrumented before any script runs.
  const ctx = await contextFor(browser, server, a);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.addInitScript(pageInstrumentation);
  if (opts.extraCss) {
    await page.route(/\/pkg\/[^/]*\.css$/, async (route) => {
      const original = await route.fetch();
      await route.fulfill({ status: 200, contentType: 'text/css', body: (await original.text()) + '\n' + opts.extraCss + '\n' });
    });
  }
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  if (opts.profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  const resp = await page.goto(`${server.base}/campaigns/${campaignId}`, { waitUntil: 'domcontentloaded', timeout: 60000 });
  if (resp.status() !== 200) throw new Error(`GET /campaigns/${campaignId}: ${resp.status()}`);
  await page.locator('.live[data-status="live"]').waitFor({ timeout: 60000 });
  await page.waitForFunction(() => window.__bench.live !== null, null, { timeout: 10000 });
  await sleep(1000); // let the tail of hydration (effects, the first presence message) settle
  const loadProfile = opts.profile ? (await cdp.send('Profiler.stop')).profile : null;
  const load = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
    const js = performance.getEntriesByType('resource').find((r) => /\/pkg\/.*\.js$/.test(r.name));
    const b = window.__bench;
    return {
      ttfb: nav.responseStart,
      htmlDone: nav.responseEnd,
      htmlBytes: nav.decodedBodySize,
      htmlTransfer: nav.transferSize,
      domContentLoaded: nav.domContentLoadedEventEnd,
      loadEvent: nav.loadEventEnd,
      jsDone: js?.responseEnd ?? null,
      wasmDone: wasm?.responseEnd ?? null,
      wasmTransfer: wasm?.transferSize ?? null,
      wsCreated: b.wsCreated,
      wsOpen: b.wsOpen,
      live: b.live,
      longTasks: b.longTasks.filter((t) => t.start < b.live + 1),
      wasmMemory: b.wasmMemory ? b.wasmMemory.buffer.byteLength : null,
      cardsInDom: document.querySelectorAll('li.card').length,
      overdueMarks: document.querySelectorAll('li.card.overdue').length,
      belowMarks: document.querySelectorAll('.tier.below').length,
      domNodes: document.getElementsByTagName('*').length,
    };
  });
  // Columns show their newest 40 cards and the rest on request (app/src/routes/board.rs, COLUMN_PAGE); a moved
  // card goes to the top of its new column, so every move below is visible.
  if (load.cardsInDom < Math.min(opts.cards, 40)) throw new Error(`${load.cardsInDom} cards in the page, expected at least 40`);
  const afterLoad = metricsOf(await cdp.send('Performance.getMetrics'));
  result.load = { ...load, metrics: afterLoad };
  console.error(`[board] hydrated and live after ${f(load.live)} ms; moving ${opts.moves} cards as partner B`);

  // Moves, one at a time: partner B moves a random card of the flow to another column of the flow.
  const rng = mix(42);
  const ids = [...cards.keys()];
  const samples = [];
  let metricsBefore = null;
  for (let i = 0; i < opts.warmup + opts.moves; i++) {
    if (i === opts.warmup) {
      metricsBefore = metricsOf(await cdp.send('Performance.getMetrics'));
      if (opts.profile) await cdp.send('Profiler.start');
      if (opts.trace) {
        await browser.startTracing(page, {
          categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink', 'cc', 'gpu', 'toplevel'],
        });
      }
    }
    let id, from;
    do {
      id = ids[rng.below(ids.length)];
      from = cards.get(id).stage;
    } while (!FLOW.includes(from));
    const choices = FLOW.filter((s) => s !== from);
    const to = choices[rng.below(choices.length)];
    await page.evaluate(([id, to]) => window.__bench.expect(id, to), [id, to]);
    const sent = Date.now();
    const moved = (await api(server, b, 'POST', `/api/v1/campaigns/${campaignId}/creators/${id}/move`, { stage: to, version: cards.get(id).version })).json;
    const answered = Date.now();
    cards.set(id, { stage: moved.stage, version: moved.version });
    const seen = await page.evaluate((ms) => {
      const p = window.__bench.pending;
      if (!p) return window.__bench.moves[window.__bench.moves.length - 1];
      return Promise.race([p.done, new Promise((r) => setTimeout(() => r(null), ms))]);
    }, opts.timeoutMs);
    if (!seen || seen.msg === null) throw new Error(`move ${i} (card ${id} → ${to}) did not show up within ${opts.timeoutMs} ms: ${JSON.stringify(seen)}`);
    if (i >= opts.warmup) {
      samples.push({
        card: id, from, to,
        msgToDom: seen.dom - seen.msg,
        msgToFrame: seen.frame - seen.msg,
        commitToDom: seen.at !== null ? seen.domWall - seen.at : NaN,
        sendToDom: seen.domWall - sent,
        httpWrite: answered - sent,
      });
    }
    await sleep(opts.gapMin + rng.unit() * (opts.gapMax - opts.gapMin));
  }
  let profile = null;
  if (opts.profile) profile = (await cdp.send('Profiler.stop')).profile;
  let trace = null;
  if (opts.trace) trace = JSON.parse((await browser.stopTracing()).toString());
  const metricsAfter = metricsOf(await cdp.send('Performance.getMetrics'));
  const perMove = (k) => (metricsAfter[k] - metricsBefore[k]) / opts.moves;
  result.update = {
    msgToDom: summary(samples.map((s) => s.msgToDom)),
    msgToFrame: summary(samples.map((s) => s.msgToFrame)),
    commitToDom: summary(samples.map((s) => s.commitToDom).filter(Number.isFinite)),
    sendToDom: summary(samples.map((s) => s.sendToDom)),
    httpWrite: summary(samples.map((s) => s.httpWrite)),
    // Averages per move from Chromium's own counters (seconds → ms), over the measured moves and their gaps.
    perMoveMs: {
      script: perMove('ScriptDuration') * 1000,
      layout: perMove('LayoutDuration') * 1000,
      recalcStyle: perMove('RecalcStyleDuration') * 1000,
      task: perMove('TaskDuration') * 1000,
    },
    layoutsPerMove: perMove('LayoutCount'),
    samples,
  };
  await cdp.send('HeapProfiler.collectGarbage');
  const end = metricsOf(await cdp.send('Performance.getMetrics'));
  result.memory = {
    jsHeapUsedAfterLoad: afterLoad.JSHeapUsedSize,
    jsHeapTotalAfterLoad: afterLoad.JSHeapTotalSize,
    jsHeapUsedAfterMoves: end.JSHeapUsedSize,
    wasmMemoryAfterLoad: load.wasmMemory,
    wasmMemoryAfterMoves: await page.evaluate(() => window.__bench.wasmMemory?.buffer.byteLength ?? null),
    domNodes: end.Nodes,
    jsEventListeners: end.JSEventListeners,
  };
  if (profile) {
    const file = opts.out.replace(/\.json$/, '') + '.cpuprofile';
    writeFileSync(file, JSON.stringify(profile));
    const loadFile = opts.out.replace(/\.json$/, '') + '.load.cpuprofile';
    writeFileSync(loadFile, JSON.stringify(loadProfile));
    result.profile = { file, top: profileSummary(profile), loadFile, loadTop: profileSummary(loadProfile) };
  }
  if (trace) {
    const file = opts.out.replace(/\.json$/, '') + '.trace.json';
    writeFileSync(file, JSON.stringify(trace));
    result.trace = { file, perMove: traceSummary(trace, opts.moves) };
  }
  result.pageErrors = errors;
  await ctx.close();
} catch (e) {
  console.error(e);
  console.error(server.log().slice(-3000));
  exitCode = 1;
} finally {
  await browser.close();
  await server.stop();
}
result.loadAverage = { before: loadBefore.map((v) => +v.toFixed(2)), after: (await import('node:os')).loadavg().map((v) => +v.toFixed(2)) };

if (exitCode === 0) {
  writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  const md = markdown(result);
  console.log(md);
  console.error(`[board] written ${opts.out}`);
  if (opts.writeDoc) {
    writeDoc(opts.writeDoc, md);
    console.error(`[board] written into ${opts.writeDoc}`);
  }
}
process.exit(exitCode);

/** Replaces the generated block of the document (or appends one), as chorus-bench does with its own markers. */
function writeDoc(path, md) {
  const BEGIN = '<!-- chorus-board:begin (generated by end2end/bench/board-update.mjs; edits here are overwritten) -->';
  const END = '<!-- chorus-board:end -->';
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance\n\n';
  const block = `${BEGIN}\n${md}${END}`;
  const b = old.indexOf('<!-- chorus-board:begin');
  const e = old.indexOf(END);
  const next = b >= 0 && e > b ? old.slice(0, b) + block + old.slice(e + END.length) : `${old.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}

function markdown(r) {
  const l = r.load;
  const u = r.update;
  const m = r.memory;
  const longest = l.longTasks.reduce((acc, t) => Math.max(acc, t.duration), 0);
  const blocked = l.longTasks.reduce((acc, t) => acc + t.duration, 0);
  let s = '';
  s += `Measured ${r.when.slice(0, 16).replace('T', ' ')} UTC by \`${r.command}\` on ${r.machine}, ${r.chromium} headless, commit \`${r.commit}\`; `;
  s += `load average before / after ${r.loadAverage.before.join(' ')} / ${r.loadAverage.after.join(' ')}. `;
  s += `${r.cards.toLocaleString('en')} cards (CSV import, ${r.seedSeconds.toFixed(1)} s), bundle \`${r.wasm?.file ?? '?'}\` (${r.wasm ? (r.wasm.bytes / 1000).toFixed(0) : '?'} kB raw).\n\n`;
  if (r.extraCss) s += `**With extra CSS** appended to the stylesheet: \`${r.extraCss}\`\n\n`;
  s += `**First load** (fresh context, nothing cached; ms from navigation start):\n\n`;
  s += '| HTML first byte | HTML complete | DOMContentLoaded | WASM downloaded | WebSocket created (hydrated) | live | long tasks until live (longest / total) | HTML size |\n';
  s += '|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  s += `| ${f(l.ttfb)} | ${f(l.htmlDone)} | ${f(l.domContentLoaded)} | ${f(l.wasmDone)} | ${f(l.wsCreated)} | **${f(l.live)}** | ${f(longest)} / ${f(blocked)} | ${(l.htmlBytes / 1000).toFixed(0)} kB |\n\n`;
  s += `**Live updates** (${u.msgToDom.n} moves by partner B through the API, one at a time, ${r.warmup} unmeasured first; the board open as partner A):\n\n`;
  s += '| measure | p50 | p95 | max |\n|---|---:|---:|---:|\n';
  const row = (label, x) => `| ${label} | ${f(x.p50, 2)} ms | ${f(x.p95, 2)} ms | ${f(x.max, 2)} ms |\n`;
  s += row('(a) WebSocket message → card in its new column (DOM)', u.msgToDom);
  s += row('(a′) WebSocket message → the frame showing it rendered (style, layout, paint)', u.msgToFrame);
  s += row('(b) commit (event `at`, ms) → card in its new column', u.commitToDom);
  s += row('API request sent (node) → card in its new column', u.sendToDom);
  s += row('API request sent → response (HTTP write)', u.httpWrite);
  s += `\nChromium's counters per move (average over the measured moves): script ${f(u.perMoveMs.script, 2)} ms, `;
  s += `style ${f(u.perMoveMs.recalcStyle, 2)} ms, layout ${f(u.perMoveMs.layout, 2)} ms (${f(u.layoutsPerMove, 1)} layouts), `;
  s += `all main-thread tasks ${f(u.perMoveMs.task, 1)} ms (these include the pauses between moves: presence, timers).\n\n`;
  s += `**Memory**: JS heap ${mb(m.jsHeapUsedAfterLoad)} used (${mb(m.jsHeapTotalAfterLoad)} allocated) after load, ${mb(m.jsHeapUsedAfterMoves)} after the moves; `;
  s += `WASM linear memory ${m.wasmMemoryAfterLoad ? mb(m.wasmMemoryAfterLoad) : '?'} after load, ${m.wasmMemoryAfterMoves ? mb(m.wasmMemoryAfterMoves) : '?'} after the moves; `;
  s += `${m.domNodes.toLocaleString('en')} DOM nodes, ${m.jsEventListeners.toLocaleString('en')} event listeners.\n`;
  if (r.pageErrors.length) s += `\nPage errors: ${r.pageErrors.length} (first: ${r.pageErrors[0]})\n`;
  if (r.trace) {
    s += `\nChromium trace of the measured moves (${r.trace.file}), ms per move by thread and event (nested events overlap):\n\n| thread · event | ms per move |\n|---|---:|\n`;
    for (const t of r.trace.perMove.slice(0, 20)) s += `| ${t.what} | ${t.msPerMove} |\n`;
  }
  if (r.profile) {
    s += `\nCPU profile of the measured moves (${r.profile.file}), self time:\n\n| function | ms |\n|---|---:|\n`;
    for (const t of r.profile.top.slice(0, 15)) s += `| \`${t.fn.replaceAll('|', '\\|')}\` | ${t.ms} |\n`;
    s += `\nCPU profile of the first load until live (${r.profile.loadFile}), self time:\n\n| function | ms |\n|---|---:|\n`;
    for (const t of r.profile.loadTop.slice(0, 25)) s += `| \`${t.fn.replaceAll('|', '\\|')}\` | ${t.ms} |\n`;
  }
  return s;
}
