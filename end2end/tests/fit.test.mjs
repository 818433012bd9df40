// Partner fit (issue 25): an agency states a 5-day review commitment on its organization page; invited to a
// campaign whose UGC lane has a 24 h SLA, the campaign's fit view flags the mismatch and what the charter should
// settle, and marking it settled puts it on the launch checklist as a warning. The page is live: the agency's open
// Fit page shows the settlement, and the brand's shows the agency's next profile version in its history, without a
// reload. At 1440 and 360 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor } from './harness.mjs';

let server, browser, brand, agency, id;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  agency = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  id = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const lane = await api(server, brand, 'PUT', `/api/v1/campaigns/${id}/lanes/ugc`, {
    lane: 'ugc', brief: '', sla_hours: 24, budget_cents: 0, default_fee_cents: 0, version: 0,
  });
  assert.equal(lane.json.sla_hours, 24);
  await api(server, brand, 'PUT', '/api/v1/org/profile', {
    team_size: 6, markets: 'US', time_zone: 'America/New_York', work_start: '09:00', work_end: '17:00',
    work_days: 'Mon-Fri', measure_working_hours: false, review_hours: 24, reply_hours: 24, approval_steps: 1,
    signer: 'VP Marketing', reporting_cadence: 'Weekly', tools: '', campaigns_per_quarter: 2, languages: 'English',
    version: 0,
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a 5-day reviewer invited to a 24 h UGC lane sees the mismatch, and settles it onto the checklist', async () => {
  // The agency states its working style on its organization page (a plain form).
  const page = await (await contextFor(browser, server, agency, { width: 1440, height: 900 })).newPage();
  await page.goto(`${server.base}/settings/organization`);
  const form = page.getByTestId('profile-form');
  await form.getByLabel('We review drafts within (hours)').fill('120');
  await form.getByLabel('Time zone').fill('America/Chicago');
  await form.getByRole('button', { name: 'Save working style' }).click();
  await page.waitForURL(/saved=1/);
  assert.match(await page.getByTestId('profile-status').textContent(), /Version 1/);

  // Invited to the campaign.
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);

  // The brand opens the campaign's Fit tab.
  const maya = await (await contextFor(browser, server, brand, { width: 1440, height: 900 })).newPage();
  await maya.goto(`${server.base}/campaigns/${id}`);
  await maya.getByRole('link', { name: 'Fit' }).first().click();
  await maya.waitForURL(/\/fit$/);
  const item = maya.getByTestId('fit-item').filter({ hasText: "Brightline Social commits to 5 days reviews; the UGC lane's SLA is 24 h" });
  await item.waitFor();
  assert.match(await item.textContent(), /at least 5 days for Brightline Social/);
  const table = maya.getByTestId('fit-table');
  assert.match(await table.textContent(), /Reviews drafts within\s*24 h\s*5 days/);
  // The agency has the same page open.
  await page.goto(`${server.base}/campaigns/${id}/fit`);
  await page.locator('[data-testid="fit"][data-live="live"]').waitFor({ timeout: 15000 });
  await item.getByLabel('How the charter settles it').fill('UGC SLA 5 days for Brightline rounds');
  await item.getByRole('button', { name: 'Mark settled' }).click();
  await maya.waitForURL(/\/fit$/);
  const settled = maya.getByTestId('fit-item').filter({ hasText: 'UGC lane' }).first().getByTestId('fit-settled');
  assert.match(await settled.textContent(), /Settled by Maya Lind \(Northwind Outdoor\)/);
  // Live on the agency's open page, no reload.
  const there = page.getByTestId('fit-item').filter({ hasText: 'UGC lane' }).first().getByTestId('fit-settled');
  await there.waitFor({ timeout: 10000 });
  assert.match(await there.textContent(), /UGC SLA 5 days for Brightline rounds/);

  const charter = (await api(server, brand, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const warning = charter.checklist.find((c) => c.message.startsWith('Partner fit settled: Brightline Social commits to 5 days'));
  assert.ok(warning && warning.ok && !warning.blocking, JSON.stringify(charter.checklist));

  // The agency saves a second version of its profile; the brand's open page shows it, with what changed.
  await maya.locator('[data-testid="fit"][data-live="live"]').waitFor({ timeout: 15000 });
  const mine = (await api(server, agency, 'GET', '/api/v1/org/profile')).json;
  const saved = await api(server, agency, 'PUT', '/api/v1/org/profile', { ...mine, review_hours: 48, version: mine.version });
  const brightline = maya.getByTestId('profile-history').filter({ hasText: 'Brightline Social' });
  await brightline.locator('[data-testid="profile-version"][data-version="2"]').waitFor({ state: 'attached', timeout: 10000 });
  await brightline.locator('summary').click();
  const v2 = await brightline.locator('[data-testid="profile-version"][data-version="2"]').innerText();
  assert.match(v2, /v2 · Brightline Social/);
  assert.match(v2, /Reviews drafts within: 5 days → 2 days/);
  assert.match(await maya.getByTestId('fit-table').textContent(), /Reviews drafts within\s*24 h\s*2 days/);
  const history = (await api(server, brand, 'GET', `/api/v1/orgs/${mine.org.id}/profile/history`)).json;
  assert.deepEqual(history.map((h) => h.version), [2, 1]);
  assert.equal(history[0].saved_by, 'Brightline Social', 'a partner sees the organization, not its people');


  // At 360 px nothing is wider than the screen (the side-by-side table scrolls inside itself).
  const phone = await (await contextFor(browser, server, agency, { width: 360, height: 740 })).newPage();
  await phone.goto(`${server.base}/campaigns/${id}/fit`);
  await phone.getByTestId('fit-item').first().waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
});
