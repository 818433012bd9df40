// Measures how many cards of the first column are fully visible at 1440x900 (a board of 44 prospects, two
// partners): `CHORUS_BIN=… CHORUS_SITE_ROOT=… node bench/board-above-fold.mjs [screenshot.png]`.
import { startServer, startBrowser, api, signUp, contextFor } from '../tests/harness.mjs';

const server = await startServer();
const browser = await startBrowser();
try {
  const brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  const agency = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  const id = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  for (let i = 0; i < 44; i++) {
    await api(server, i % 2 ? agency : brand, 'POST', `/api/v1/campaigns/${id}/creators`, {
      name: `Creator ${i}`, platform: 'instagram', handle: `creator${i}`, followers: 12000 + i * 1000,
      avg_likes: 400, avg_comments: 20, lane: i % 3 ? 'influencer' : 'ugc',
      next_action: 'Send the brief', next_action_due: i % 4 ? '2031-06-01' : '2020-01-15',
    });
  }
  const page = await (await contextFor(browser, server, brand, { width: 1440, height: 900 })).newPage();
  // The server-rendered layout is what is measured; NO_WASM=1 leaves the page unhydrated (for an older server).
  if (process.env.NO_WASM) await page.route('**/*.wasm', (r) => r.abort());
  await page.goto(`${server.base}/campaigns/${id}`);
  await page.waitForLoadState('networkidle');
  const visible = await page.locator('section.column[data-stage="prospect"] li.card').evaluateAll((els) =>
    els.filter((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }).length);
  console.log(`cards fully visible in the first column at 1440x900: ${visible}`);
  if (process.argv[2]) await page.screenshot({ path: process.argv[2] });
} finally {
  await browser.close();
  await server.stop();
}
