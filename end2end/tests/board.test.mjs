// Two partners on one board: what one does, the other sees at once; outsiders see nothing.
import { test, before, after } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor, openBoard, card, recordWasm } from './harness.mjs';

let server, browser, brand, agency, outsider, campaignId;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  agency = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  outsider = await signUp(server, 'Eve Stone', 'eve@elsewhere.example', 'Elsewhere Media');
  campaignId = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${campaignId}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  for (const [name, handle] of [['Ava Chen', 'ava.outdoors'], ['Marco Bianchi', 'marco.trails'], ['Priya Nair', 'priyahikes']]) {
    await api(server, brand, 'POST', `/api/v1/campaigns/${campaignId}/creators`, {
      name, platform: 'instagram', handle, followers: 48000, lane: 'influencer',
    });
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a card moved by one partner shows up for the other without reload', async () => {
  const a = await (await contextFor(browser, server, brand)).newPage();
  const b = await (await contextFor(browser, server, agency)).newPage();
  await openBoard(a, server, campaignId);
  await openBoard(b, server, campaignId);
  await b.evaluate(() => (window.__notReloaded = true));

  // Partner A moves Ava with the "Move to" menu (the touch and phone path).
  await card(a, 'prospect', 'ava.outdoors').locator('select').selectOption('contacted');
  await card(a, 'contacted', 'ava.outdoors').waitFor();
  await card(b, 'contacted', 'ava.outdoors').waitFor({ timeout: 10000 });
  assert.equal(await card(b, 'prospect', 'ava.outdoors').count(), 0);
  const toast = await b.getByTestId('toast').textContent();
  assert.match(toast, /Maya Lind \(Northwind Outdoor\) moved Ava Chen from Prospect to Contacted/);
  assert.equal(await b.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');

  // Partner B answers with the keyboard: focus the card, arrow right.
  await card(b, 'contacted', 'ava.outdoors').focus();
  await b.keyboard.press('ArrowRight');
  await card(a, 'negotiating', 'ava.outdoors').waitFor({ timeout: 10000 });
  assert.match(await a.getByTestId('toast').textContent(), /Jordan Reyes \(Brightline Social\) moved Ava Chen/);

  // And with the mouse: drag Marco to Contracted.
  await card(a, 'prospect', 'marco.trails').dragTo(a.locator('section.column[data-stage="contracted"]'));
  await card(b, 'contracted', 'marco.trails').waitFor({ timeout: 10000 });

  // The activity trail (the side panel the tab bar's "Activity" opens) on both screens names who did what.
  await b.getByTestId('activity-toggle').click();
  await b.getByTestId('activity').getByText('moved Marco Bianchi from Prospect to Contracted').waitFor();

  // Through the JSON API as well: an integration's move appears on both open boards.
  const board = (await api(server, brand, 'GET', `/api/v1/campaigns/${campaignId}/board`)).json;
  const priya = board.cards.find((c) => c.handle === 'priyahikes');
  await api(server, agency, 'POST', `/api/v1/campaigns/${campaignId}/creators/${priya.id}/move`, { stage: 'briefed', version: priya.version });
  await card(a, 'briefed', 'priyahikes').waitFor({ timeout: 10000 });
  await card(b, 'briefed', 'priyahikes').waitFor({ timeout: 10000 });
  // The open activity panel follows live.
  await b.getByTestId('activity').getByText('Jordan Reyes (Brightline Social) moved Priya Nair from Prospect to Briefed').waitFor({ timeout: 10000 });

  // A creator added by one partner is introduced to the other at once.
  await b.getByRole('button', { name: 'Add a creator' }).click();
  await b.getByLabel('Name').fill('Lucía Gómez');
  await b.getByLabel('Handle').fill('lucia.camps');
  await b.getByRole('button', { name: 'Add to the pool' }).click();
  await card(a, 'prospect', 'lucia.camps').waitFor({ timeout: 10000 });
  await a.context().close();
  await b.context().close();
});

test('a stale move is refused and shown as a conflict the person resolves', async () => {
  const a = await (await contextFor(browser, server, brand)).newPage();
  // A's live connection goes nowhere, so A's screen goes stale while another partner changes the card.
  await a.routeWebSocket(/\/ws$/, () => {});
  await openBoard(a, server, campaignId);
  const board = (await api(server, brand, 'GET', `/api/v1/campaigns/${campaignId}/board`)).json;
  const priya = board.cards.find((c) => c.handle === 'priyahikes');
  assert.equal(priya.stage, 'briefed');
  await api(server, agency, 'POST', `/api/v1/campaigns/${campaignId}/creators/${priya.id}/move`, { stage: 'posted', version: priya.version });

  // A, still seeing Priya in Briefed, moves her: refused, never a silent overwrite.
  await card(a, 'briefed', 'priyahikes').locator('select').selectOption('paid');
  const conflict = a.getByTestId('conflict');
  await conflict.waitFor({ timeout: 10000 });
  assert.match(await conflict.textContent(), /changed by someone else meanwhile: it is now in Posted/);
  await card(a, 'posted', 'priyahikes').waitFor(); // rolled back to the truth
  const now = (await api(server, brand, 'GET', `/api/v1/campaigns/${campaignId}/creators/${priya.id}`)).json;
  assert.equal(now.stage, 'posted');

  // A decides knowingly.
  await conflict.getByRole('button', { name: 'Move it to Paid anyway' }).click();
  await card(a, 'paid', 'priyahikes').waitFor({ timeout: 10000 });
  // The board shows it at once (optimistically); the server confirms it shortly after.
  let stage;
  for (let i = 0; i < 50 && stage !== 'paid'; i++) {
    stage = (await api(server, brand, 'GET', `/api/v1/campaigns/${campaignId}/creators/${priya.id}`)).json.stage;
    if (stage !== 'paid') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(stage, 'paid');
  await a.context().close();
});

test('a user of a third organization cannot open the campaign', async () => {
  const ctx = await contextFor(browser, server, outsider);
  const page = await ctx.newPage();
  const resp = await page.goto(`${server.base}/campaigns/${campaignId}`);
  assert.equal(resp.status(), 404);
  await page.getByRole('heading', { name: 'Campaign not found' }).waitFor();
  assert.equal(await page.locator('li.card').count(), 0);
  assert.ok(!(await page.content()).includes('ava.outdoors'));
  // Their home page does not list it either.
  await page.goto(server.base);
  await page.getByRole('heading', { name: 'Campaigns of Elsewhere Media' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Trailhead Spring Launch' }).count(), 0);
  assert.equal(await page.locator('.campaign-list li').count(), 0);
  await ctx.close();
});

test('sign in through the form, and the board works on a 360 px phone', async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  const page = await ctx.newPage();
  // The sign-in page has nothing to run in the browser: it is plain HTML and loads no WASM.
  const wasm = recordWasm(page);
  await page.goto(`${server.base}/signin`);
  await page.waitForLoadState('networkidle');
  assert.deepEqual([...wasm.files], [], 'the sign-in page loads no WASM');
  assert.equal(await page.locator('script[type="module"]').count(), 0, 'nor any script that would');
  wasm.stop();
  await page.getByLabel('Email').fill('jordan@brightline.example');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Wrong email or password').waitFor();
  await page.getByLabel('Password').fill('correct horse');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').waitFor();
  await page.getByRole('link', { name: 'Trailhead Spring Launch' }).click();
  await page.locator('.live[data-status="live"]').waitFor({ timeout: 30000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await card(page, 'prospect', 'marco.trails').count(); // may have moved already; pick any card
  const first = page.locator('li.card').first();
  const handle = await first.getAttribute('data-handle');
  await first.locator('select').selectOption('declined');
  // Declined and archived cards are kept out of the way, one tap from view.
  await card(page, 'declined', handle).waitFor({ state: 'attached', timeout: 10000 });
  await page.locator('details.out-of-the-way > summary').click();
  await card(page, 'declined', handle).waitFor({ timeout: 10000 });
  await page.screenshot({ path: 'test-results/board-360.png', fullPage: false }).catch(() => {});
  await ctx.close();
});

/** The size of `path` as the server sends it to a browser that accepts brotli (what goes over the wire). */
function brotliSize(server, path) {
  return new Promise((resolve, reject) => {
    http.get(`${server.base}${path}`, { headers: { 'accept-encoding': 'br' } }, (res) => {
      let n = 0;
      res.on('data', (d) => (n += d.length));
      res.on('end', () => resolve({ bytes: n, encoding: res.headers['content-encoding'], status: res.statusCode }));
    }).on('error', reject);
  });
}

test('the board downloads its own bundle only; the home page\'s and the charter\'s come when they are opened', async (t) => {
  const ctx = await contextFor(browser, server, brand);
  const page = await ctx.newPage();
  const wasm = recordWasm(page);
  await openBoard(page, server, campaignId);
  const board = [...wasm.files];
  assert.deepEqual(board.map((p) => p.replace(/\.[^/]+\.wasm$/, '')), ['/pkg/board'], `one file, the board's: ${board.join(', ')}`);
  let total = 0;
  for (const path of board) {
    const { bytes, encoding, status } = await brotliSize(server, path);
    assert.equal(status, 200, path);
    assert.equal(encoding, 'br', `${path} is served brotli-compressed`);
    total += bytes;
  }
  t.diagnostic(`the board downloaded ${board.length} WASM files, ${total} bytes brotli`);
  assert.ok(total <= 250_000, `the board's WASM is at most 250 kB brotli: ${total} bytes`);

  // The drawer's code is a part of its own, fetched the first time a card is opened (and only then).
  assert.ok(![...wasm.files].some((p) => /\/pkg\/board\.detail_body\./.test(p)), 'the drawer\'s code is not needed yet');
  await page.locator('li.card button.card-open').first().click();
  await page.getByTestId('card-detail').getByTestId('tier-explanation').waitFor({ timeout: 30000 });
  assert.ok(await wasm.requested(/\/pkg\/board\.detail_body\./), 'the drawer\'s code came when a card was opened');
  await page.keyboard.press('Escape');

  // Moving on to the home page fetches its code then, and the page works.
  await page.locator('header.topbar a.brand').click();
  await page.getByRole('heading', { name: 'Campaigns of Northwind Outdoor' }).waitFor({ timeout: 30000 });
  assert.ok(await wasm.requested(/\/pkg\/home\./),
    `the home page's code came later: ${[...wasm.files].filter((p) => !board.includes(p)).join(', ')}`);
  await page.getByRole('link', { name: 'Trailhead Spring Launch' }).click();
  await page.locator('.live[data-status="live"]').waitFor({ timeout: 30000 });
  assert.ok(![...wasm.files].some((p) => p.includes('/pkg/charter.')), 'the charter\'s code is not needed yet');
  await page.locator('nav.campaign-tabs a', { hasText: 'Charter' }).click();
  await page.waitForURL(/\/charter$/, { timeout: 30000 });
  await page.locator('.charter-page[data-live="live"]').waitFor({ timeout: 30000 });
  assert.ok(await wasm.requested(/\/pkg\/charter\./), 'the charter\'s code came when it was opened');
  await ctx.close();
});

test('forms that call the server work in the hydrated page and without JavaScript', async () => {
  // Hydrated: a campaign started from the home page opens its board; an API token is shown once.
  const a = await (await contextFor(browser, server, agency)).newPage();
  await a.goto(`${server.base}/settings/tokens`);
  await a.locator('section.page[data-hydrated="yes"]').waitFor({ timeout: 30000 });
  await a.getByLabel('Token name').fill('Reporting sync');
  await a.getByRole('button', { name: 'Create token' }).click();
  assert.match(await a.getByTestId('new-token').textContent({ timeout: 10000 }), /^chorus_/);
  await a.getByRole('cell', { name: 'Reporting sync' }).waitFor();
  await a.goto(`${server.base}/`);
  await a.waitForLoadState('networkidle');
  await a.getByLabel('Name', { exact: true }).fill('Autumn Trails');
  await a.getByRole('button', { name: 'Create', exact: true }).click();
  await a.waitForURL(/\/campaigns\/\d+$/, { timeout: 10000 });
  await a.locator('.live[data-status="live"]').waitFor({ timeout: 30000 });
  await a.context().close();

  // Without JavaScript the same forms post to the server functions and come back with the result.
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const [name, value] = agency.split('=');
  await ctx.addCookies([{ name, value, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  const n = await ctx.newPage();
  await n.goto(`${server.base}/settings/tokens`);
  await n.getByLabel('Token name').fill('Nightly export');
  await n.getByRole('button', { name: 'Create token' }).click();
  await n.waitForURL(/\/settings\/tokens\??$/);
  await n.getByRole('cell', { name: 'Nightly export' }).waitFor({ timeout: 10000 });
  await n.goto(`${server.base}/`);
  await n.getByLabel('Name', { exact: true }).fill('Winter Peaks');
  await n.getByRole('button', { name: 'Create', exact: true }).click();
  await n.waitForURL(/\/campaigns\/\d+$/, { timeout: 10000 });
  await n.getByText('Winter Peaks').first().waitFor();
  await ctx.close();
});
