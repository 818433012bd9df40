// temp: CPU profile of a page load at 4x throttle, aggregated by function
import { startServer, api, startBrowser, contextFor } from '../tests/harness.mjs';
import { boardCsv, importCsv } from './seed.mjs';
const server = await startServer({ args: ['--demo'] });
try {
  const maya = (await api(server, null, 'POST', '/api/v1/auth/signin', { email: 'maya@northwind.example', password: 'chorus-demo' })).cookie;
  const campaigns = (await api(server, maya, 'GET', '/api/v1/campaigns')).json;
  const id = (campaigns.campaigns ?? campaigns)[0].id;
  let path = `/campaigns/${id}`;
  if (process.argv[2] === '500') {
    const big = (await api(server, maya, 'POST', '/api/v1/campaigns', { name: 'Board of 500' })).json.id;
    await importCsv(server, maya, big, boardCsv(500, ['Northwind Outdoor']), 'board-500.csv');
    path = `/campaigns/${big}`;
  }
  const browser = await startBrowser();
  const ctx = await contextFor(browser, server, maya, { width: 412, height: 823 });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await page.goto(`${server.base}${path}`);
  await page.waitForTimeout(6000);
  const { profile } = await cdp.send('Profiler.stop');
  // inclusive times too
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const incl = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set();
    let id = profile.samples[i];
    while (id !== undefined) {
      const n = profile.nodes.find((x) => x.id === id);
      const key = `${n.callFrame.functionName || '(anon)'}`;
      if (!seen.has(key)) { seen.add(key); incl.set(key, (incl.get(key) || 0) + (profile.timeDeltas[i] || 0) / 1000); }
      id = parent.get(id);
    }
  }
  const ti = [...incl.entries()].sort((a, b) => b[1] - a[1]).slice(0, 70);
  for (const [k, v] of ti) console.log('INCL', v.toFixed(1).padStart(8), k.slice(0, 150));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas; 
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
    self.set(key, (self.get(key) || 0) + (dt[i] || 0) / 1000);
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 45);
  for (const [k, v] of top) console.log(v.toFixed(1).padStart(8), k);
  await browser.close();
} finally { await server.stop(); }
