// "What needs me" on the home page, on the demo campaign: each partner's own inbox across their campaigns
// (the charter to sign, the late review escalated to them, reviews waiting), each item linking to where it is
// acted on; live (signing elsewhere takes the item away without a reload); and nothing of it for a person of
// another organization.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor } from './harness.mjs';

let server, browser, maya, jordan, id, review;
const users = {};

async function signIn(email) {
  return (await api(server, null, 'POST', '/api/v1/auth/signin', { email, password: 'chorus-demo' })).cookie;
}

before(async () => {
  server = await startServer({ args: ['--demo'] });
  browser = await startBrowser();
  maya = await signIn('maya@northwind.example');
  jordan = await signIn('jordan@brightline.example');
  for (const email of ['maya@northwind.example', 'jordan@brightline.example', 'lena@kanal.example', 'sam@brightline.example']) {
    const cookie = await signIn(email);
    users[(await api(server, cookie, 'GET', '/api/v1/me')).json.user_id] = cookie;
  }
  id = (await api(server, maya, 'GET', '/api/v1/campaigns')).json[0].id;
  for (let i = 0; i < 100 && !review; i++) {
    const all = (await api(server, maya, 'GET', `/api/v1/campaigns/${id}/escalations`)).json;
    review = all.find((e) => e.kind === 'review_sla' && e.status !== 'resolved');
    if (!review) await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(review, 'the demo raises a review-SLA escalation');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openHome(cookie, viewport) {
  const ctx = await contextFor(browser, server, cookie, viewport);
  const page = await ctx.newPage();
  await page.goto(`${server.base}/`);
  await page.locator('[data-testid="inbox"][data-live="live"]').waitFor({ timeout: 30000 });
  return { ctx, page, inbox: page.getByTestId('inbox') };
}

test('the escalation\'s assignee finds it first on the home page, linking to the content page', async () => {
  const { ctx, page, inbox } = await openHome(users[review.assignee_user_id]);
  assert.ok(await page.getByRole('heading', { name: /What needs you/ }).isVisible());
  const item = inbox.locator('[data-testid="inbox-item"][data-kind="escalation"]').filter({ hasText: review.title });
  await item.waitFor();
  assert.match(await item.getByRole('link').first().getAttribute('href'), new RegExp(`^/campaigns/${id}/content#deliverable-${review.deliverable_id}$`));
  // Escalations and overdue things come before the rest.
  const kinds = await inbox.locator('[data-testid="inbox-item"]').evaluateAll((els) => els.map((e) => e.classList.contains('overdue')));
  assert.deepEqual(kinds, [...kinds].sort((a, b) => b - a), `overdue first: ${kinds}`);
  await item.getByRole('link').first().click();
  await page.waitForURL(/\/content#deliverable-/);
  await ctx.close();
});

test('Jordan is asked to sign the charter, and the item leaves live when he signs elsewhere', async () => {
  const charter = (await api(server, jordan, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  assert.ok(charter.current, 'the demo charter is proposed for sign-off');
  const { ctx, page, inbox } = await openHome(jordan, { width: 360, height: 740 });
  const sign = inbox.locator('[data-testid="inbox-item"][data-kind="charter"]');
  await sign.waitFor();
  assert.match(await sign.textContent(), new RegExp(`Sign charter version ${charter.current.number}`));
  assert.equal(await sign.getByRole('link').first().getAttribute('href'), `/campaigns/${id}/charter`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the home page fits 360 px: ${width}`);
  await page.screenshot({ path: `${process.env.SCREENSHOTS || '/tmp'}/inbox-360.png`, fullPage: true });

  await api(server, jordan, 'POST', `/api/v1/campaigns/${id}/charter/versions/${charter.current.number}/sign`);
  await sign.waitFor({ state: 'detached', timeout: 10000 });
  await ctx.close();
});

test('a person of another organization sees none of it', async () => {
  const outsider = await signUp(server, 'Ola Berg', 'ola@elsewhere.example', 'Elsewhere Media');
  const { ctx, inbox } = await openHome(outsider);
  assert.equal(await inbox.locator('[data-testid="inbox-item"]').count(), 0);
  const text = await inbox.textContent();
  assert.ok(!text.includes(review.title) && !text.includes('Trailhead'), `nothing of the demo campaign: ${text}`);
  // Nor through the server function the page calls.
  const r = await fetch(`${server.base}/sfn/inbox`, { method: 'POST', headers: { cookie: outsider, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  assert.equal(r.status, 200);
  const body = await r.text();
  assert.ok(!body.includes(review.title), 'the inbox answer holds nothing of a campaign the organization is not a partner of');
  assert.match(body, /"items":\[\]/);
  await ctx.close();
});
