// Disclosure on a phone: a UK creator writes "Gifted by …", sees the UK rule fail with its fix before she sends,
// fixes the caption (the check turns green as she types), and sends; the reviewer's round shows the passed check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp } from './harness.mjs';

let server, browser, brand, agency, id, isla, deliverableId;

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
  await saveSection(brand, 'criteria', {
    ugc: ['Product visible in 3 s'], influencer: ['Brand named'], creator_expectations: 'Two drafts at most',
    disclosure: ['UK: @northwind'],
  });
  const card = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/creators`, {
    name: 'Isla Reed', platform: 'instagram', handle: 'isla.rides', lane: 'influencer', country: 'GB',
  })).json;
  const cinv = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'creator', creator_id: card.id })).json;
  const r = await fetch(`${server.base}/auth/creator-signup`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: cinv.token, name: 'Isla Reed', email: 'isla@creator.example', password: 'creator-pass' }),
  });
  isla = (r.headers.get('set-cookie') || '').split(';')[0];
  deliverableId = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/deliverables`, {
    creator_id: card.id, lane: 'influencer', title: 'Spring ride post', expectations: 'One feed post',
  })).json.id;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('on her phone she sees the UK disclosure check fail, fixes the caption and sends', async () => {
  const phone = await browser.newContext({ viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true });
  const [n, v] = isla.split('=');
  await phone.addCookies([{ name: n, value: v, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  const page = await phone.newPage();
  await page.goto(`${server.base}/portal/campaigns/${id}`);
  await page.locator('section.portal[data-live="live"]').waitFor({ timeout: 30000 });
  const item = page.locator(`[data-testid="portal-deliverable"][data-id="${deliverableId}"]`);
  const form = item.getByTestId('submit-draft');
  const caption = form.locator('textarea[name="caption"]');
  const check = form.getByTestId('disclosure-check');

  // "Gifted" alone: the UK rule fails, named, with the fix.
  await caption.fill('Gifted by @northwind 💛 obsessed with this bike');
  await check.and(page.locator('[data-passed="false"]')).waitFor({ timeout: 10000 });
  const failed = await check.innerText();
  assert.match(failed, /United Kingdom/);
  assert.match(failed, /UK · ASA\/CMA/);
  assert.match(failed, /"gifted" alone is not enough in the UK/);
  assert.match(await check.getByTestId('disclosure-fix').first().innerText(), /^Fix: Start the caption with "#ad"/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `with the check the portal is ${width}px wide`);

  // She fixes it: the check passes as she types.
  await caption.fill('#ad Gifted by @northwind 💛 obsessed with this bike');
  await check.and(page.locator('[data-passed="true"]')).waitFor({ timeout: 10000 });
  assert.doesNotMatch(await check.innerText(), /Fix:/);

  // And sends: the round keeps the passed check.
  await form.locator('input[name="link"]').fill('https://instagram.example/p/isla-draft');
  await form.getByRole('button', { name: 'Send for review' }).click();
  await page.locator(`[data-testid="portal-deliverable"][data-id="${deliverableId}"][data-status="in_review"]`).waitFor({ timeout: 10000 });
  // Her v1 on the phone keeps the passed check.
  await page.locator(`[data-testid="portal-deliverable"][data-id="${deliverableId}"] .round [data-testid="disclosure-check"][data-passed="true"]`).waitFor({ timeout: 10000 });
  const d = (await api(server, agency, 'GET', `/api/v1/campaigns/${id}/deliverables/${deliverableId}`)).json;
  assert.equal(d.rounds.length, 1);
  assert.equal(d.rounds[0].caption, '#ad Gifted by @northwind 💛 obsessed with this bike');
  assert.equal(d.rounds[0].disclosure.passed, true);
  assert.equal(d.rounds[0].disclosure.market, 'uk');
  await phone.close();
});
