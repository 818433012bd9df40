// The creator portal and the content page as one product: the portal on a 360 px phone (nothing wider than the
// screen, toasts never over "Send for review", what needs her first, big camera and gallery buttons with
// thumbnails, times in her zone and the campaign's), and the content page and review panel that read as written
// (no uppercase, nothing under 12 px, no teal-flooded lane).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { startServer, startBrowser, api, signUp, contextFor } from './harness.mjs';
import { chunk } from './png.mjs';

let server, browser, brand, agency, id, ava, avaId;
const deliverables = {};
const LONG_LINK = 'https://www.tiktok.com/@ava.chen.outdoors/video/7312345678901234567?is_from_webapp=1&sender_device=pc&web_id=7312345678901234567';
const CAPTION = 'Rain test on the RIDGE, iPhone 15 Pro\n#ad @NorthwindOutdoor';

/** A small real PNG: a green square. */
function png(w, h) {
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * (1 + w * 3) + 1 + x * 3 + 1] = 200;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function saveSection(cookie, section, body) {
  const view = (await api(server, cookie, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const version = view.sections.find((s) => s.section === section).version;
  await api(server, cookie, 'PUT', `/api/v1/campaigns/${id}/charter/sections/${section}`, { body, version });
}

async function brief(title, due) {
  return (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/deliverables`, {
    creator_id: avaId, lane: 'ugc', title, expectations: 'A 20-second clip', due_date: due, fee_cents: 45000,
  })).json.id;
}

async function review(deliverableId, decision) {
  const d = (await api(server, brand, 'GET', `/api/v1/campaigns/${id}/deliverables/${deliverableId}`)).json;
  const round = d.rounds[d.rounds.length - 1].round;
  await api(server, brand, 'POST', `/api/v1/campaigns/${id}/deliverables/${deliverableId}/review`, {
    round, decision, feedback: 'Show the jacket first', criteria: [false, false], version: d.version,
  });
}

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind');
  agency = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline');
  id = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  const maya = (await api(server, brand, 'GET', '/api/v1/me')).json;
  const jordan = (await api(server, agency, 'GET', '/api/v1/me')).json;
  await saveSection(brand, 'criteria', { ugc: ['Product visible in 3 s', 'Natural light'], influencer: ['Disclosure #ad'], creator_expectations: 'Two drafts at most' });
  await saveSection(brand, 'responsibilities', { items: [
    { org_id: maya.org.id, responsibility: 'UGC strategy and content approval', accountable: maya.user_id },
    { org_id: jordan.org.id, responsibility: 'Influencer relations and talent', accountable: jordan.user_id }] });
  await saveSection(brand, 'ownership', { accountable_owner: maya.user_id, creator_contact: jordan.user_id });
  // The campaign runs on Berlin time.
  await api(server, brand, 'PUT', `/api/v1/campaigns/${id}/time-zone`, { time_zone: 'Europe/Berlin' });
  const card = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/creators`, { name: 'Ava Chen', platform: 'tiktok', handle: 'ava', lane: 'ugc' })).json;
  avaId = card.id;
  const cinv = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'creator', creator_id: card.id })).json;
  const r = await fetch(`${server.base}/auth/creator-signup`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: cinv.token, name: 'Ava Chen', email: 'ava@creator.example', password: 'creator-pass' }),
  });
  ava = (r.headers.get('set-cookie') || '').split(';')[0];
  // Briefed in this order: later due first, so the page has to reorder them.
  deliverables.later = await brief('Trail test clip, second take', '2027-04-20');
  deliverables.sooner = await brief('Unboxing at the trailhead', '2027-03-10');
  deliverables.changes = await brief('Rain test on the ridge', '2027-05-01');
  deliverables.fourth = await brief('Summit selfie', '2027-03-20');
  // v1 of the last one, with a very long link, sent back with changes asked for.
  await api(server, ava, 'POST', `/api/v1/campaigns/${id}/deliverables/${deliverables.changes}/submissions`, {
    caption: CAPTION, link: LONG_LINK, uploads: [],
  });
  await review(deliverables.changes, 'changes_requested');
  await api(server, ava, 'POST', `/api/v1/campaigns/${id}/deliverables/${deliverables.sooner}/submissions`, {
    caption: CAPTION, link: 'https://example.com/draft', uploads: [],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function phonePage(timezoneId = 'America/Los_Angeles') {
  const phone = await browser.newContext({ viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true, timezoneId });
  const [n, v] = ava.split('=');
  await phone.addCookies([{ name: n, value: v, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  const page = await phone.newPage();
  if (process.env.DEBUG_CONSOLE) page.on('console', (m) => console.log('console', m.type(), m.text().slice(0, 500)));
  if (process.env.DEBUG_CONSOLE) page.on('pageerror', (e) => console.log('pageerror', e.message.slice(0, 500)));
  if (process.env.DEBUG_NOTIMES) await page.route('**/times.js', (r) => r.abort());
  await page.goto(`${server.base}/portal/campaigns/${id}`);
  await page.locator('section.portal[data-live="live"]').waitFor({ timeout: 30000 });
  return { phone, page };
}

const intersects = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('the portal fits a 360 px phone, and a toast never covers "Send for review"', async () => {
  const { phone, page } = await phonePage();
  const item = page.locator(`[data-testid="portal-deliverable"][data-id="${deliverables.changes}"]`);
  await item.locator('.round-link a').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the portal is ${width}px wide at 360`);
  // "Link: " then the link, which wraps inside the card.
  assert.match(await item.locator('.round-link').innerText(), /^Link: https:\/\/www\.tiktok\.com/);
  const link = await item.locator('.round-link a').boundingBox();
  assert.ok(link.x + link.width <= 360, `the link ends at ${link.x + link.width}px`);

  // The send button low on the screen, where a bottom toast would be; then a decision arrives live.
  const send = item.getByRole('button', { name: 'Send for review' });
  await send.evaluate((b) => {
    const r = b.getBoundingClientRect();
    window.scrollBy(0, r.bottom - (window.innerHeight - 8));
  });
  await api(server, agency, 'POST', `/api/v1/campaigns/${id}/deliverables/${deliverables.sooner}/comments`, {
    body: 'Looks great so far, the reviewer is on it', internal: false,
  });
  const toast = page.getByTestId('toast');
  await toast.waitFor({ timeout: 10000 });
  const sendBox = await send.boundingBox();
  const toastBox = await toast.boundingBox();
  assert.ok(sendBox && toastBox, 'both on the page');
  assert.ok(sendBox.y >= 0 && sendBox.y + sendBox.height <= 800, `the button is on the screen: ${JSON.stringify(sendBox)}`);
  assert.ok(!intersects(sendBox, toastBox), `toast ${JSON.stringify(toastBox)} covers the button ${JSON.stringify(sendBox)}`);
  assert.ok(sendBox.height >= 44, `"Send for review" is ${sendBox.height}px tall`);
  const after = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(after <= 360, `with the toast the portal is ${after}px wide`);
  await phone.close();
});

test('the portal puts what needs her first, with big camera and gallery buttons and thumbnails', async () => {
  const { phone, page } = await phonePage();
  // Changes requested first, then drafts to send (due soonest first: 20 March before 20 April), then what is in
  // review.
  const order = await page.locator('[data-testid="portal-deliverable"]').evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
  assert.deepEqual(order, [deliverables.changes, deliverables.fourth, deliverables.later, deliverables.sooner]);
  const statuses = await page.locator('[data-testid="portal-deliverable"]').evaluateAll((els) => els.map((e) => e.dataset.status));
  const rank = { changes_requested: 0, awaiting_draft: 1, in_review: 2, approved: 3, rejected: 3 };
  const ranks = statuses.map((s) => rank[s]);
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), `ordered by what needs her: ${statuses}`);
  assert.equal(statuses[0], 'changes_requested');

  const item = page.locator(`[data-testid="portal-deliverable"][data-id="${deliverables.changes}"]`);
  // The camera and the gallery: big buttons, not the browser's file field ("No file chosen").
  const camera = item.getByTestId('camera-input');
  assert.equal(await camera.getAttribute('capture'), 'environment');
  assert.equal(await camera.getAttribute('accept'), 'image/*,video/*');
  for (const name of ['Take a photo or video', 'Choose from gallery']) {
    const box = await item.locator('label.pick').filter({ hasText: name }).boundingBox();
    assert.ok(box && box.height >= 44 && box.width >= 200, `${name}: ${JSON.stringify(box)}`);
  }
  const field = await item.getByTestId('file-input').boundingBox();
  assert.ok(!field || (field.width <= 1 && field.height <= 1), `the native file field is not shown: ${JSON.stringify(field)}`);

  await item.getByTestId('file-input').setInputFiles({ name: 'ridge.png', mimeType: 'image/png', buffer: png(320, 240) });
  await item.locator('[data-testid="sending"]').filter({ hasText: /✓ uploaded|rror|fail|not/ }).first().waitFor({ timeout: 30000 })
    .catch(() => {});
  assert.match(await item.locator('[data-testid="sending"]').first().innerText(), /✓ uploaded/);
  const thumb = item.getByTestId('thumb');
  await thumb.waitFor();
  assert.ok(await thumb.evaluate((img) => img.complete && img.naturalWidth === 320), 'the thumbnail shows the picture');
  assert.equal(await item.getByText('No file chosen').count(), 0);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `with a thumbnail the portal is ${width}px wide`);
  await page.screenshot({ path: 'test-results/portal-360.png', fullPage: true });
  await phone.close();
});

test('the portal shows her time with its zone, and deadlines in the campaign\'s too', async () => {
  const { phone, page } = await phonePage('America/Los_Angeles');
  const item = page.locator(`[data-testid="portal-deliverable"][data-id="${deliverables.sooner}"]`);
  // Due 10 March, end of the day in Berlin: 23:59 CET is 14:59 PST.
  const due = item.getByTestId('due').locator('time');
  await page.waitForFunction((el) => el.dataset.shown, await due.elementHandle());
  assert.equal(await due.innerText(), '10 Mar 14:59 PST · 10 Mar 23:59 CET campaign time');
  // Her round's time: in her zone, with the zone; never "UTC".
  const sent = item.locator('.round h3 time');
  assert.match(await sent.innerText(), /^\d{1,2} [A-Z][a-z]{2} \d\d:\d\d P[SD]T$/);
  assert.match(await sent.getAttribute('title'), /C[E]S?T, the campaign’s time \(Europe\/Berlin\)/);
  assert.ok(!(await page.locator('section.portal').innerText()).includes(' UTC'), 'no UTC on the portal');
  await phone.close();
});

test('the content page and the review panel read as written: no uppercase, nothing under 12 px, no flooded lane', async () => {
  const ctx = await contextFor(browser, server, brand, { width: 1280, height: 900 });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/campaigns/${id}/content`);
  await page.locator('section.content-page[data-live="live"]').waitFor({ timeout: 30000 });
  const row = page.locator(`[data-testid="deliverable"][data-id="${deliverables.sooner}"]`);
  await row.locator('.deliverable-head').click();
  const panel = row.getByTestId('review-panel');
  await panel.waitFor();
  // The caption as the creator wrote it, casing included.
  assert.equal(await panel.locator('.caption').innerText(), CAPTION);

  const bad = await page.evaluate(() => {
    const out = [];
    const root = document.querySelector('section.content-page');
    for (const el of root.querySelectorAll('*')) {
      const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!hasText || !el.getClientRects().length) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden') continue;
      const size = parseFloat(cs.fontSize);
      if (size < 12) out.push(`${el.tagName}.${el.className} ${size}px: ${el.textContent.trim().slice(0, 30)}`);
      if (cs.textTransform === 'uppercase') out.push(`${el.tagName}.${el.className} uppercase: ${el.textContent.trim().slice(0, 30)}`);
    }
    return out;
  });
  assert.deepEqual(bad, [], 'text under 12 px or in uppercase');

  // The UGC lane: a plain panel with a coloured top border, not a teal flood.
  const lane = await page.locator('section[data-lane="ugc"]').evaluate((el) => {
    const cs = getComputedStyle(el);
    const surface = getComputedStyle(document.body).getPropertyValue('--surface').trim();
    return { bg: cs.backgroundColor, top: cs.borderTopWidth, topColor: cs.borderTopColor, left: cs.borderLeftColor, color: cs.color, surface };
  });
  assert.equal(lane.bg, 'rgb(255, 255, 255)', `the lane's background is ${lane.bg}`);
  assert.equal(lane.top, '4px');
  assert.notEqual(lane.topColor, lane.left, 'the colour is on the top border only');
  assert.notEqual(lane.color, 'rgb(15, 118, 110)', 'the lane text is not teal');

  // Times on the content page carry a zone; the review deadline shows the viewer's and the campaign's.
  const sent = panel.locator('.round h4 time');
  await page.waitForFunction((el) => el.dataset.shown, await sent.elementHandle());
  assert.match(await sent.innerText(), /^\d{1,2} [A-Z][a-z]{2} \d\d:\d\d [A-Z]{2,5}([+-]\d+)?$/);
  await page.screenshot({ path: 'test-results/content-1280.png', fullPage: true });
  await ctx.close();
});
