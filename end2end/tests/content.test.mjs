// Content approval in the browser: a creator on a phone uploads a draft with progress, the reviewer asks for
// changes, the creator sends v2, the reviewer approves, and the creator sees each decision live. A creator
// reaches no partner page and no other creator's files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { startServer, startBrowser, api, signUp, contextFor } from './harness.mjs';
import { chunk } from './png.mjs';

let server, browser, brand, agency, id, ava, ben, deliverableId;

/** A real PNG of noise, stored uncompressed so that it is a few MB (several upload chunks). */
function noisyPng(w, h) {
  const raw = Buffer.alloc(h * (1 + w * 3));
  let seed = 42;
  for (let i = 0; i < raw.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = i % (1 + w * 3) === 0 ? 0 : seed >> 16;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 0 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function saveSection(cookie, section, body) {
  const view = (await api(server, cookie, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const version = view.sections.find((s) => s.section === section).version;
  await api(server, cookie, 'PUT', `/api/v1/campaigns/${id}/charter/sections/${section}`, { body, version });
}

async function creatorAccount(name, email, handle) {
  const card = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/creators`, { name, platform: 'tiktok', handle, lane: 'ugc' })).json;
  const inv = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'creator', creator_id: card.id })).json;
  const r = await fetch(`${server.base}/auth/creator-signup`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: inv.token, name, email, password: 'creator-pass' }),
  });
  return { cookie: (r.headers.get('set-cookie') || '').split(';')[0], id: card.id };
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
  const a = await creatorAccount('Ava Chen', 'ava@creator.example', 'ava');
  const b = await creatorAccount('Ben Ortiz', 'ben@creator.example', 'ben');
  ava = a.cookie; ben = b.cookie;
  const d = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/deliverables`, {
    creator_id: a.id, lane: 'ugc', title: 'Trail test clip', expectations: 'A 20-second clip in the rain', due_date: '2027-03-10', fee_cents: 45000,
  })).json;
  deliverableId = d.id;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a draft goes from the phone to approved, and the creator sees each decision live', async () => {
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const [n, v] = ava.split('=');
  await phone.addCookies([{ name: n, value: v, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  const creatorPage = await phone.newPage();
  await creatorPage.goto(`${server.base}/portal/campaigns/${id}`);
  await creatorPage.locator('section.portal[data-live="live"]').waitFor({ timeout: 30000 });
  await creatorPage.getByTestId('contact').filter({ hasText: 'Jordan Reyes (Brightline)' }).waitFor();
  const item = creatorPage.locator(`[data-testid="portal-deliverable"][data-id="${deliverableId}"]`);
  await item.getByTestId('status').filter({ hasText: 'Awaiting draft' }).waitFor();
  // Usable at 360 px: nothing wider than the screen.
  const overflow = await creatorPage.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `page is ${overflow}px wide at 360`);

  const reviewer = await contextFor(browser, server, brand);
  const reviewPage = await reviewer.newPage();
  await reviewPage.goto(`${server.base}/campaigns/${id}/content`);
  await reviewPage.locator('section.content-page[data-live="live"]').waitFor({ timeout: 30000 });
  const row = reviewPage.locator(`[data-testid="deliverable"][data-id="${deliverableId}"]`);
  await row.waitFor();

  // A file that is not an image or video is refused before anything is sent.
  await item.getByTestId('file-input').setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('%PDF-1.7 this is a PDF with a photo name, not a photo at all, really not............') });
  await item.locator('[data-testid="sending"].failed').getByText('PDF').waitFor();

  // A real 3.2 MB PNG: progress climbs through the chunks, then the draft is sent with a caption.
  const png = noisyPng(1200, 900);
  await creatorPage.evaluate(() => {
    window.__progress = [];
    new MutationObserver(() => {
      document.querySelectorAll('[data-testid="sending"] [role="progressbar"]').forEach((b) => window.__progress.push(Number(b.getAttribute('aria-valuenow'))));
    }).observe(document.body, { subtree: true, attributes: true, childList: true, attributeFilter: ['aria-valuenow'] });
  });
  await item.getByTestId('file-input').setInputFiles({ name: 'ridge.png', mimeType: 'image/png', buffer: png });
  await item.getByText('✓ uploaded').waitFor({ timeout: 30000 });
  const seen = await creatorPage.evaluate(() => window.__progress);
  assert.ok(seen.some((p) => p > 0 && p < 100), `progress between 0 and 100 was shown: ${seen}`);
  await item.locator('textarea[name="caption"]').fill('Rain test on the ridge\n#ad');
  await item.getByRole('button', { name: 'Send for review' }).tap();
  await item.getByTestId('status').filter({ hasText: 'In review' }).waitFor();

  // The reviewer sees it arrive without reloading, with its clock; asks for changes with a criterion unticked.
  await row.locator('.status.in_review').waitFor();
  await row.getByTestId('sla').waitFor();
  assert.match(await row.getByTestId('sla').textContent(), /h \d+ min left/);
  await row.locator('.deliverable-head').click();
  const panel = row.getByTestId('review-panel');
  await panel.locator('img[alt="Preview of ridge.png"]').waitFor();
  await panel.getByLabel('Natural light').check();
  await panel.locator('textarea[name="feedback"]').fill('Show the jacket in the first 3 seconds');
  await panel.getByRole('button', { name: 'Request changes' }).click();
  await row.locator('.status.changes_requested').waitFor();

  // The creator sees the decision live (no reload), with the feedback.
  await item.getByTestId('status').filter({ hasText: 'Changes requested' }).waitFor({ timeout: 10000 });
  await creatorPage.getByTestId('toast').filter({ hasText: 'requested changes' }).waitFor();
  await item.getByText('Show the jacket in the first 3 seconds').waitFor();

  // v2: a link and a new caption; the reviewer sees the caption's difference, and approves.
  await item.locator('input[name="link"]').fill('https://www.tiktok.com/@ava/video/123');
  await item.locator('textarea[name="caption"]').fill('Jacket first, then the ridge\n#ad');
  await item.getByRole('button', { name: 'Send for review' }).tap();
  await item.getByTestId('status').filter({ hasText: 'In review' }).waitFor();
  await row.locator('.status.in_review').waitFor();
  if (!(await row.getByTestId('review-panel').isVisible())) await row.locator('.deliverable-head').click();
  const diff = row.getByTestId('caption-diff');
  await diff.locator('.added').filter({ hasText: 'Jacket first, then the ridge' }).waitFor();
  await diff.locator('.removed').filter({ hasText: 'Rain test on the ridge' }).waitFor();
  await row.getByRole('button', { name: 'Approve' }).click();
  await row.locator('.status.approved').waitFor();
  await item.getByTestId('status').filter({ hasText: 'Approved' }).waitFor({ timeout: 10000 });
  await creatorPage.getByTestId('toast').filter({ hasText: 'approved v2' }).waitFor();

  // Turnaround on the partners' page: two rounds for one UGC asset.
  const turnaround = reviewPage.locator('.turnaround tr.all').filter({ hasText: 'UGC' });
  await turnaround.locator('td').nth(2).filter({ hasText: '2' }).waitFor();
  await phone.close();
  await reviewer.close();
});

test('a creator reaches no partner page and no other creator\'s files', async () => {
  const phone = await contextFor(browser, server, ben, { width: 360, height: 740 });
  const page = await phone.newPage();
  for (const path of [`/campaigns/${id}`, `/campaigns/${id}/content`, `/campaigns/${id}/charter`]) {
    const resp = await page.goto(`${server.base}${path}`);
    assert.equal(resp.status(), 404, path);
  }
  // Ben's own portal shows nothing of Ava's.
  await page.goto(`${server.base}/portal/campaigns/${id}`);
  await page.locator('section.portal').waitFor();
  assert.ok(!(await page.content()).includes('Trail test clip'));
  // Ava's file, fetched with Ben's session: not found.
  const d = (await api(server, agency, 'GET', `/api/v1/campaigns/${id}/deliverables/${deliverableId}`)).json;
  const fileId = d.rounds[0].files[0].id;
  const asBen = await fetch(`${server.base}/files/${fileId}`, { headers: { cookie: ben } });
  assert.equal(asBen.status, 404);
  const asAva = await fetch(`${server.base}/files/${fileId}`, { headers: { cookie: ava } });
  assert.equal(asAva.status, 200);
  assert.equal(asAva.headers.get('x-content-type-options'), 'nosniff');
  const other = await fetch(`${server.base}/api/v1/campaigns/${id}/deliverables/${deliverableId}`, { headers: { cookie: ben } });
  assert.equal(other.status, 404);
  await phone.close();
});
