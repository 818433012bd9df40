// The campaign's chrome on the demo campaign: tabs Board · Charter · Content · Performance on every campaign page
// (current one marked, keyboard, 360 px), and the sticky banner of open escalations: the demo's late review
// (a review-SLA escalation raised as the server starts) shows on the board for its assignee, links to Content,
// and leaves live when it is resolved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, contextFor } from './harness.mjs';

let server, browser, maya, id, review, assignee;

const PAGES = [['Board', ''], ['Charter', '/charter'], ['Content', '/content'], ['Performance', '/performance'], ['Rights', '/rights'], ['Payouts', '/payouts'], ['Fit', '/fit']];

async function signIn(email) {
  return (await api(server, null, 'POST', '/api/v1/auth/signin', { email, password: 'chorus-demo' })).cookie;
}

before(async () => {
  server = await startServer({ args: ['--demo'] });
  browser = await startBrowser();
  maya = await signIn('maya@northwind.example');
  id = (await api(server, maya, 'GET', '/api/v1/campaigns')).json[0].id;
  // The late review is escalated as the server starts (by the review clock).
  for (let i = 0; i < 100 && !review; i++) {
    const all = (await api(server, maya, 'GET', `/api/v1/campaigns/${id}/escalations`)).json;
    review = all.find((e) => e.kind === 'review_sla' && e.status !== 'resolved');
    if (!review) await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(review, 'the demo raises a review-SLA escalation');
  for (const email of ['maya@northwind.example', 'jordan@brightline.example', 'lena@kanal.example', 'sam@brightline.example']) {
    const cookie = await signIn(email);
    if ((await api(server, cookie, 'GET', '/api/v1/me')).json.user_id === review.assignee_user_id) assignee = cookie;
  }
  assert.ok(assignee, 'the escalation is assigned to a demo partner');
  // Its times in the one format of every page, with their zone ("4 Dec 14:05 PST"): no weekday, no ISO date.
  assert.match(review.detail, /Submitted \d{1,2} [A-Z][a-z]{2} \d\d:\d\d [A-Z+\-0-9]{2,5}; review was due \d{1,2} [A-Z][a-z]{2} \d\d:\d\d [A-Z+\-0-9]{2,5} /);
  assert.doesNotMatch(review.detail, /\d{4}-\d\d-\d\d|(Mon|Tue|Wed|Thu|Fri|Sat|Sun) /);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('every campaign page has the tabs, the current one marked, usable by keyboard', async () => {
  const ctx = await contextFor(browser, server, maya);
  const page = await ctx.newPage();
  for (const [name, path] of PAGES) {
    await page.goto(`${server.base}/campaigns/${id}${path}`);
    const tabs = page.getByRole('navigation', { name: 'Campaign' });
    assert.deepEqual(await tabs.getByRole('link').allTextContents(), PAGES.map((p) => p[0]), `tabs on ${name}`);
    const current = tabs.locator('a[aria-current="page"]');
    assert.equal(await current.count(), 1, `one current tab on ${name}`);
    assert.equal((await current.textContent()).trim(), name);
  }
  // Keyboard: from the Board tab, Tab reaches the next tab and Enter opens it.
  await page.goto(`${server.base}/campaigns/${id}`);
  await page.getByRole('navigation', { name: 'Campaign' }).getByRole('link', { name: 'Board' }).focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Charter');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Content');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/content$/);
  assert.equal(await page.locator('nav.campaign-tabs a[aria-current="page"]').textContent(), 'Content');
  await ctx.close();
});

test('at 360 px the tab row scrolls inside itself and never widens the page', async () => {
  const ctx = await contextFor(browser, server, maya, { width: 360, height: 740 });
  const page = await ctx.newPage();
  for (const [name, path] of PAGES) {
    await page.goto(`${server.base}/campaigns/${id}${path}`);
    const row = page.locator('nav.campaign-tabs ul');
    const box = await row.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `the tab row fits 360 px on ${name}: ${JSON.stringify(box)}`);
    assert.equal(await row.evaluate((el) => getComputedStyle(el).overflowX), 'auto', 'the row scrolls sideways');
    // The current tab is in view as the page opens.
    const cur = await row.locator('a[aria-current="page"]').boundingBox();
    assert.ok(cur.x >= 0 && cur.x + cur.width <= 360.5, `the current tab ${name} is in view: ${JSON.stringify(cur)}`);
    // Every tab can be reached: scrolled into view, it lies within the screen.
    for (const [tab] of PAGES) {
      const link = row.getByRole('link', { name: tab });
      await link.scrollIntoViewIfNeeded();
      const b = await link.boundingBox();
      assert.ok(b.x >= 0 && b.x + b.width <= 360.5 && b.height >= 44, `${tab} reachable and 44 px tall on ${name}: ${JSON.stringify(b)}`);
    }
    const chrome = await page.getByTestId('campaign-chrome').evaluate((el) => el.scrollWidth);
    assert.ok(chrome <= 360, `the chrome is no wider than the screen on ${name}: ${chrome}`);
  }
  // The performance page as a whole does not overflow (the other pages are checked by their own tests).
  await page.goto(`${server.base}/campaigns/${id}/performance`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the performance page is ${width} px wide at 360 px`);
  await page.screenshot({ path: `${process.env.SCREENSHOTS || '/tmp'}/chrome-performance-360.png`, fullPage: false });
  await ctx.close();
});

test('the assignee sees the open review escalation on the board, sticky, linking to Content; it leaves live', async () => {
  const ctx = await contextFor(browser, server, assignee);
  const page = await ctx.newPage();
  await page.goto(`${server.base}/campaigns/${id}`);
  await page.getByTestId('campaign-chrome').and(page.locator('[data-hydrated="yes"]')).waitFor({ timeout: 30000 });
  const line = page.getByTestId('banner-escalation').filter({ hasText: review.title });
  await line.waitFor();
  assert.equal(await line.getAttribute('data-kind'), 'review_sla');
  assert.match(await line.textContent(), /Assigned to you/);
  const link = line.getByRole('link');
  assert.equal((await link.textContent()).trim(), 'Review it on Content');
  assert.match(await link.getAttribute('href'), new RegExp(`^/campaigns/${id}/content#deliverable-${review.deliverable_id}$`));

  // Sticky: still on screen after scrolling far down the board.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.waitForTimeout(200);
  const box = await line.boundingBox();
  assert.ok(box && box.y >= 0 && box.y < 900, `the banner stays in view: ${JSON.stringify(box)}`);

  // Another partner resolves it: it leaves the open board without a reload.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(500);
  const other = assignee === maya ? await (async () => (await api(server, null, 'POST', '/api/v1/auth/signin', { email: 'jordan@brightline.example', password: 'chorus-demo' })).cookie)() : maya;
  await api(server, other, 'PUT', `/api/v1/campaigns/${id}/escalations/${review.id}`, { status: 'resolved', note: 'Reviewed by phone', version: review.version });
  await line.waitFor({ state: 'detached', timeout: 10000 });

  // Reopened: it comes back live, and its link opens the content page.
  const now = (await api(server, maya, 'GET', `/api/v1/campaigns/${id}/escalations`)).json.find((e) => e.id === review.id);
  await api(server, maya, 'PUT', `/api/v1/campaigns/${id}/escalations/${review.id}`, { status: 'open', note: '', version: now.version });
  await line.waitFor({ timeout: 10000 });
  await line.getByRole('link').click();
  await page.waitForURL(new RegExp(`/campaigns/${id}/content#deliverable-${review.deliverable_id}$`));
  assert.equal(await page.locator('nav.campaign-tabs a[aria-current="page"]').textContent(), 'Content');
  await ctx.close();
});

test('a campaign page opens one WebSocket, shared by the page and the escalation banner', async () => {
  const ctx = await contextFor(browser, server, maya);
  const live = {
    '': '.live[data-status="live"]',
    '/charter': '.charter-page[data-live="live"]',
    '/content': 'section.content-page[data-live="live"]',
    '/performance': 'section.dashboard[data-live="live"]',
    // Rendered on the server: the chrome's island (its escalation banner) is what follows the campaign.
    '/rights': '[data-testid="rights-page"][data-live="live"]',
    '/payouts': '[data-testid="payouts"][data-live="live"]',
    '/fit': '[data-testid="fit"][data-live="live"]',
  };
  for (const [name, path] of PAGES) {
    const page = await ctx.newPage();
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${server.base}/campaigns/${id}${path}`);
    await page.getByTestId('campaign-chrome').and(page.locator('[data-hydrated="yes"]')).waitFor({ timeout: 30000 });
    await page.locator(live[path]).waitFor({ timeout: 30000 });
    await page.waitForTimeout(800);
    assert.deepEqual(sockets.map((u) => new URL(u).pathname), ['/ws'], `${name}: ${sockets.length} WebSockets`);
    if (path !== '/performance') await page.close();
    else {
      // Both islands follow the campaign on that one socket: the banner and the dashboard's feed update live.
      const now = (await api(server, maya, 'GET', `/api/v1/campaigns/${id}/escalations`)).json.find((e) => e.id === review.id);
      assert.ok(now.status !== 'resolved', 'the review escalation is open');
      await api(server, maya, 'PUT', `/api/v1/campaigns/${id}/escalations/${review.id}`, { status: 'acknowledged', note: '', version: now.version });
      await page.locator(`[data-testid="banner-escalation"][data-status="acknowledged"]`).filter({ hasText: review.title }).waitFor({ timeout: 10000 });
      await page.getByTestId('escalation-feed').locator('.escalation.acknowledged').filter({ hasText: review.title }).waitFor({ timeout: 10000 });
      assert.equal(sockets.length, 1);
    }
  }
  await ctx.close();
});
