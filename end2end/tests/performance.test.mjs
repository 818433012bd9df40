// The shared performance dashboard in the browser: figures pushed through the API with a partner's token
// appear on another partner's open dashboard without reload, and a breached daily threshold shows up there
// as an escalation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor } from './harness.mjs';

let server, browser, brand, agency, id, postId, token;

async function saveSection(cookie, section, body) {
  const view = (await api(server, cookie, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const version = view.sections.find((s) => s.section === section).version;
  await api(server, cookie, 'PUT', `/api/v1/campaigns/${id}/charter/sections/${section}`, { body, version });
}

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind');
  agency = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline');
  id = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  const jordan = (await api(server, agency, 'GET', '/api/v1/me')).json;
  await saveSection(brand, 'thresholds', { thresholds: [
    { metric: 'cpe', comparison: '>', value: 0.15, scope: 'lane', scope_value: 'influencer', escalate_to: jordan.user_id }] });
  const ava = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/creators`, { name: 'Ava Chen', platform: 'instagram', handle: 'ava', lane: 'influencer', followers: 40000 })).json;
  postId = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/posts`, { creator_id: ava.id, platform: 'instagram', url: 'https://instagram.example/p/launch', title: 'Launch Reel' })).json.id;
  token = (await api(server, agency, 'POST', '/api/v1/tokens', { name: 'sync' })).json.secret;
  assert.ok(token);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('figures pushed through the API appear live on the other partner\'s dashboard, and a breach escalates', async () => {
  const ctx = await contextFor(browser, server, brand);
  const page = await ctx.newPage();
  await page.goto(`${server.base}/campaigns/${id}/performance`);
  await page.locator('section.dashboard[data-live="live"]').waitFor({ timeout: 30000 });
  const cpe = page.locator('[data-kpi="cpe"] .kpi-value');
  assert.equal((await cpe.textContent()).trim(), '—', 'no figures yet: unknown, never NaN');

  // Jordan's integration pushes yesterday's figures with its token: $300 for 1,000 engagements.
  const day = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  const r = await fetch(`${server.base}/api/v1/campaigns/${id}/metrics`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'sync-1' },
    body: JSON.stringify({ source: 'api:sync', rows: [{ post_id: postId, day, impressions: 50000, reach: 20000, likes: 900, comments: 100, clicks: 100, conversions: 5, revenue_cents: 90000, fee_cents: 30000 }] }),
  });
  assert.equal(r.status, 200, await r.text());

  // Maya's open dashboard updates without reload: KPIs, funnel, and the escalation.
  await page.locator('[data-kpi="cpe"] .kpi-value').filter({ hasText: '$0.30' }).waitFor({ timeout: 10000 });
  assert.equal((await page.locator('[data-kpi="roas"] .kpi-value').textContent()).trim(), '3.00×');
  await page.getByTestId('funnel').getByText('50,000').waitFor();
  const escalation = page.getByTestId('escalation-feed').getByTestId('escalation').filter({ hasText: 'Cost per engagement was $0.30' });
  await escalation.waitFor({ timeout: 10000 });
  assert.match(await escalation.textContent(), /Assigned to Jordan Reyes/);
  await page.getByTestId('toast').waitFor();

  // The board shows it in the campaign's escalation banner too, linking to where it is acted on.
  const board = await ctx.newPage();
  await board.goto(`${server.base}/campaigns/${id}`);
  const line = board.getByTestId('escalation-banner').getByTestId('banner-escalation').filter({ hasText: 'Cost per engagement was $0.30' });
  await line.waitFor();
  assert.match(await line.locator('a').getAttribute('href'), /\/performance$/);
  // Its day in the one date format of every page ("4 Dec"), never an ISO date.
  assert.match(await line.textContent(), /was \$0\.30 on \d{1,2} [A-Z][a-z]{2} for .*\(> \$0\.15\)/);
  assert.doesNotMatch(await line.textContent(), /\d{4}-\d\d-\d\d/);

  // Acknowledging on the dashboard updates it live (and the same breach is never raised twice).
  await escalation.getByRole('button', { name: 'Acknowledge' }).click();
  await page.getByTestId('escalation-feed').locator('.escalation.acknowledged').waitFor();
  const again = await fetch(`${server.base}/api/v1/campaigns/${id}/metrics`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rows: [{ post_id: postId, day, impressions: 50000, reach: 20000, likes: 950, comments: 100, clicks: 100, conversions: 5, revenue_cents: 90000, fee_cents: 30000 }] }),
  });
  assert.equal(again.status, 200);
  const all = (await api(server, brand, 'GET', `/api/v1/campaigns/${id}/escalations`)).json;
  assert.equal(all.filter((e) => e.kind === 'threshold').length, 1);

  // Sortable tables: the creator table sorts by a header click.
  const header = page.locator('section.cut[data-cut="By creator"] th').filter({ hasText: 'Name' }).getByRole('button');
  await header.click();
  assert.equal(await page.locator('section.cut[data-cut="By creator"] th[aria-sort="descending"]').count(), 1);
  await ctx.close();
});

test('a new campaign says how to get figures in; a post tracked from the page gets its figures; numbers read right', async () => {
  const fresh = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Fresh Start' })).json.id;
  const view = (await api(server, brand, 'GET', `/api/v1/campaigns/${fresh}/charter`)).json;
  const version = view.sections.find((s) => s.section === 'success').version;
  await api(server, brand, 'PUT', `/api/v1/campaigns/${fresh}/charter/sections/success`, { version, body: { targets: [
    { lane: 'influencer', metric: 'posts_published', comparison: '>=', value: 4 },
    { lane: null, metric: 'cpe', comparison: '<=', value: 0.05 },
    { lane: null, metric: 'engagement_rate_reach', comparison: '>=', value: 2 }] } });
  await api(server, brand, 'PUT', `/api/v1/campaigns/${fresh}/lanes/influencer`, { lane: 'influencer', brief: '', sla_hours: 48, budget_cents: 1000000, default_fee_cents: 0, version: 0 });
  await api(server, brand, 'POST', `/api/v1/campaigns/${fresh}/creators`, { name: 'Noor Haddad', platform: 'tiktok', handle: 'noor', lane: 'influencer', followers: 12000 });

  const ctx = await contextFor(browser, server, brand);
  const page = await ctx.newPage();
  await page.goto(`${server.base}/campaigns/${fresh}/performance`);
  await page.locator('section.dashboard[data-live="live"]').waitFor({ timeout: 30000 });

  // Empty: one pointer to the three ways in, not "No figures yet." four times.
  const ways = page.getByTestId('get-data-in');
  for (const name of ['Track a post', 'Import figures', 'Connect the API']) await ways.getByRole('link', { name }).waitFor();
  assert.equal(await page.getByText('No figures yet.', { exact: true }).count(), 0);
  assert.equal(await page.locator('section.cut').count(), 0, 'no empty tables');
  await page.locator('details#quick-entry > summary').click();
  await page.getByTestId('no-posts').waitFor();

  // Track a post: creator, platform (their handle's), address.
  await ways.getByRole('link', { name: 'Track a post' }).click();
  const form = page.getByTestId('track-post-form');
  await form.getByLabel('Creator').selectOption({ label: 'Noor Haddad' });
  assert.equal(await form.getByLabel('Platform').inputValue(), 'tiktok', 'the creator\'s platform is proposed');
  await form.getByLabel('Address (URL)').fill('not a link');
  await form.getByLabel('Address (URL)').evaluate((el) => { el.type = 'text'; });
  await form.getByRole('button', { name: 'Track this post' }).click();
  await page.locator('.track-post .notice.error[data-code]').filter({ hasText: 'https://' }).waitFor();
  await form.getByLabel('Address (URL)').fill('https://tiktok.example/@noor/1');
  await form.getByLabel('Title (optional)').fill('Trail run');
  await form.getByRole('button', { name: 'Track this post' }).click();
  await page.getByTestId('tracked').waitFor();

  // "Enter a day's figures" now offers it, chosen; one day of figures draws a point.
  const entry = page.locator('details#quick-entry');
  const post = entry.getByLabel('Post');
  await page.waitForFunction(() => document.querySelector('#quick-entry select[name="post_id"]').selectedOptions[0]?.textContent.includes('Trail run'));
  assert.equal(await page.getByTestId('no-posts').count(), 0);
  const day = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  await entry.getByLabel('Day').fill(day);
  await entry.getByLabel('impressions', { exact: true }).fill('12,000');
  await entry.getByLabel('reach', { exact: true }).fill('8000');
  await entry.getByLabel('likes', { exact: true }).fill('300');
  await entry.getByLabel('fee (USD)').fill('60');
  await entry.getByRole('button', { name: 'Save the figures' }).click();
  await page.getByTestId('daily-chart').waitFor({ timeout: 10000 });
  assert.ok(await post.count());
  assert.equal(await page.getByTestId('get-data-in').count(), 0);
  assert.ok(await page.locator('[data-testid="daily-chart"] circle.dot.influencer').count() >= 1, 'a single day is drawn');

  // Pacing: counts as whole numbers, rates with %, a missed "≤" target never a full bar.
  const pace = (metric) => page.locator(`[data-testid="pacing"] .pace[data-metric="${metric}"]`);
  assert.match(await pace('posts_published').locator('strong').textContent(), /^1\b/);
  assert.doesNotMatch(await pace('posts_published').textContent(), /1\.00/);
  assert.match(await pace('engagement_rate_reach').textContent(), /3\.75 %/);
  const cpe = pace('cpe');
  assert.match(await cpe.textContent(), /\$0\.20/);
  assert.ok(await cpe.evaluate((el) => el.classList.contains('behind')));
  const bar = cpe.getByRole('progressbar');
  assert.ok(Number(await bar.getAttribute('aria-valuenow')) < 100, 'a missed ≤ target is not a full bar');
  assert.match(await bar.getAttribute('aria-label'), /Cost per engagement ≤ \$0\.05: \$0\.20, not met/);

  // Budget bars say what they measure, in dollars; every progress bar has a name.
  const budget = page.locator('.budget-line[data-lane="influencer"]');
  assert.match(await budget.textContent(), /plan \$10,000\.00/);
  assert.match(await budget.textContent(), /Spent \$60\.00 \(1 % of \$10,000\.00\)/);
  for (const b of await page.locator('[role="progressbar"]').all()) {
    assert.ok((await b.getAttribute('aria-label'))?.length > 5, 'a progress bar without a name');
  }

  // Side by side: its last row is inside its panel, above the pacing panel.
  const lastRow = await page.locator('[data-testid="lane-compare"] tbody tr').last().boundingBox();
  const panel = await page.locator('section.side-by-side').boundingBox();
  const pacing = await page.getByTestId('pacing').boundingBox();
  assert.ok(lastRow.y + lastRow.height <= panel.y + panel.height + 0.5, 'the last row is inside its panel');
  assert.ok(panel.y + panel.height <= pacing.y, 'and above the pacing panel');
  await page.screenshot({ path: `${process.env.SCREENSHOTS || '/tmp'}/performance-1440.png`, fullPage: true });
  await ctx.close();
});
