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
  const escalation = page.getByTestId('escalation-feed').getByTestId('escalation').filter({ hasText: 'Cost per engagement was 0.30' });
  await escalation.waitFor({ timeout: 10000 });
  assert.match(await escalation.textContent(), /Assigned to Jordan Reyes/);
  await page.getByTestId('toast').waitFor();

  // The board shows it in its escalation feed too.
  const board = await ctx.newPage();
  await board.goto(`${server.base}/campaigns/${id}`);
  await board.getByTestId('board-escalations').getByText('Cost per engagement was 0.30').waitFor();

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
