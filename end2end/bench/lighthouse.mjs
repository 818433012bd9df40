// Lighthouse (mobile, simulated throttling) on every kind of page, signed in as the person who uses it:
// sign-in, home, the demo board, a 500-card board, charter, content, performance, and the creator's portal.
//
//   scripts/lighthouse.sh                 # installs npm `lighthouse` into the tools directory, then runs this
//   node bench/lighthouse.mjs [--runs 3] [--out bench/lighthouse.json] [--write-doc ../docs/PERFORMANCE.md]
//                             [--only board] [--reports DIR]   (pages whose name contains "board"; whole reports)
//
// Each page is measured --runs times and the median run is reported (performance varies run to run on a loaded
// machine). A benchmark, not a test: it asserts nothing and never runs in CI. Environment: CHORUS_BIN,
// CHORUS_SITE_ROOT (the release build: scripts/build-site.sh), CHROMIUM (default /usr/bin/chromium), LIGHTHOUSE
// (the CLI; default `lighthouse` on PATH).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer, api, signUp } from '../tests/harness.mjs';
import { boardCsv, importCsv } from './seed.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const opts = { runs: 3, out: join(here, 'lighthouse.json'), writeDoc: null, only: null, reports: null };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--runs') opts.runs = Number(process.argv[++i]);
  else if (a === '--out') opts.out = resolve(process.argv[++i]);
  else if (a === '--write-doc') opts.writeDoc = resolve(process.argv[++i]);
  else if (a === '--only') opts.only = process.argv[++i];
  else if (a === '--reports') opts.reports = resolve(process.argv[++i]);
  else throw new Error(`unknown argument ${a}`);
}

async function signIn(server, email) {
  return (await api(server, null, 'POST', '/api/v1/auth/signin', { email, password: 'chorus-demo' })).cookie;
}

async function lighthouse(url, cookie, name) {
  const args = [
    url, '--quiet', '--output=json', '--output-path=stdout', '--form-factor=mobile',
    '--only-categories=performance,accessibility,best-practices',
    `--chrome-flags=--headless=new --no-sandbox --disable-gpu`,
  ];
  if (cookie) args.push(`--extra-headers=${JSON.stringify({ Cookie: cookie })}`);
  const { stdout } = await run(process.env.LIGHTHOUSE || 'lighthouse', args, {
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, CHROME_PATH: process.env.CHROMIUM || '/usr/bin/chromium' },
  });
  const r = JSON.parse(stdout);
  if (opts.reports) writeFileSync(join(opts.reports, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`), stdout);
  const score = (c) => Math.round((r.categories[c]?.score ?? 0) * 100);
  const failing = Object.values(r.audits)
    .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === 'binary')
    .map((a) => a.id);
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    cls: r.audits['cumulative-layout-shift'].numericValue,
    lcpMs: Math.round(r.audits['largest-contentful-paint'].numericValue),
    tbtMs: Math.round(r.audits['total-blocking-time'].numericValue),
    failing,
  };
}

const server = await startServer({ args: ['--demo'] });
const rows = [];
try {
  const maya = await signIn(server, 'maya@northwind.example');
  const priya = await signIn(server, 'priya@creators.example');
  const campaigns = (await api(server, maya, 'GET', '/api/v1/campaigns')).json;
  const id = (campaigns.campaigns ?? campaigns)[0].id;
  // A second campaign of 500 creators, for the board at size.
  const big = (await api(server, maya, 'POST', '/api/v1/campaigns', { name: 'Board of 500' })).json.id;
  await importCsv(server, maya, big, boardCsv(500, ['Northwind Outdoor']), 'board-500.csv');
  const portal = await (await fetch(`${server.base}/portal`, { headers: { cookie: priya } })).text();
  const portalPath = portal.match(/href="(\/portal\/campaigns\/[^"]+)"/)?.[1];
  const pages = [
    ['sign-in', '/signin', null],
    ['home', '/', maya],
    ['board (demo)', `/campaigns/${id}`, maya],
    ['board (500 cards)', `/campaigns/${big}`, maya],
    ['charter', `/campaigns/${id}/charter`, maya],
    ['content', `/campaigns/${id}/content`, maya],
    ['performance', `/campaigns/${id}/performance`, maya],
    ['portal (creator)', portalPath, priya],
  ];
  for (const [name, path, cookie] of pages) {
    if (opts.only && !name.includes(opts.only)) continue;
    const results = [];
    for (let i = 0; i < opts.runs; i++) results.push(await lighthouse(`${server.base}${path}`, cookie, name));
    results.sort((a, b) => a.performance - b.performance);
    const median = results[Math.floor(results.length / 2)];
    rows.push({ name, path, ...median, performanceRuns: results.map((r) => r.performance) });
    console.error(`[lighthouse] ${name}: ${JSON.stringify(median)}`);
  }
} finally {
  await server.stop();
}

const table = [
  `Lighthouse ${(await run(process.env.LIGHTHOUSE || 'lighthouse', ['--version'])).stdout.trim()}, mobile preset ` +
    `(simulated slow 4G, 4× CPU slowdown), median of ${opts.runs} runs, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}:`,
  '',
  '| Page | Performance | Accessibility | Best practices | CLS | LCP | TBT | Audits failing |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  ...rows.map((r) => `| ${r.name} | ${r.performance} (${r.performanceRuns.join(', ')}) | ${r.accessibility} | ${r.bestPractices} | ` +
    `${r.cls.toFixed(3)} | ${r.lcpMs} ms | ${r.tbtMs} ms | ${r.failing.join(', ') || '—'} |`),
].join('\n');
console.log(table);
writeFileSync(opts.out, JSON.stringify(rows, null, 2));
if (opts.writeDoc) {
  const doc = existsSync(opts.writeDoc) ? readFileSync(opts.writeDoc, 'utf8') : '';
  const block = `<!-- chorus-lighthouse -->\n${table}\n<!-- /chorus-lighthouse -->`;
  const re = /<!-- chorus-lighthouse -->[\s\S]*<!-- \/chorus-lighthouse -->/;
  writeFileSync(opts.writeDoc, re.test(doc) ? doc.replace(re, block) : `${doc}\n## Lighthouse (mobile)\n\n${block}\n`);
}
