// Disclosure and usage rights, as a creator and her partners live them. On her phone a UK creator reads and accepts
// the licence terms proposed with her brief, writes "Gifted by …", sees the UK rule fail with its fix before she
// sends, fixes the caption (the check turns green as she types), and sends; the reviewer's round shows the passed
// check. Once approved, the partner sees the asset in the rights ledger (its own tab) with its end date, the content
// page marks its rights, and the ad code the creator adds from her phone shows in the ledger.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp } from './harness.mjs';

let server, browser, brand, agency, id, isla, deliverableId, partnerIds;

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
  partnerIds = [(await api(server, agency, 'GET', '/api/v1/me')).json.org.id, (await api(server, brand, 'GET', '/api/v1/me')).json.org.id];
  const terms = await api(server, agency, 'PUT', `/api/v1/campaigns/${id}/deliverables/${deliverableId}/terms`, {
    usages: ['organic', 'paid_amplification'], platforms: ['Instagram', 'Meta Ads'], territories: ['UK'],
    term_days: 90, exclusivity: '', partner_ids: partnerIds, version: 0,
  });
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

  // The terms proposed with her brief, before she submits: she reads and accepts version 1.
  const terms = page.getByTestId('portal-terms');
  assert.match(await terms.innerText(), /organic, paid amplification · Instagram, Meta Ads · UK/);
  assert.match(await terms.innerText(), /90 days from first publication/);
  await terms.getByRole('button', { name: 'Accept these terms (v1)' }).click();
  await page.getByTestId('portal-terms').getByTestId('acceptance').waitFor({ timeout: 10000 });
  assert.match(await page.getByTestId('portal-terms').getByTestId('acceptance').innerText(), /v1 accepted by Isla Reed/);
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

test('once approved, the partner sees the asset in the rights ledger with its end, and the creator adds its ad code', async () => {
  const d = (await api(server, agency, 'GET', `/api/v1/campaigns/${id}/deliverables/${deliverableId}`)).json;
  const approved = await api(server, agency, 'POST', `/api/v1/campaigns/${id}/deliverables/${deliverableId}/review`, {
    round: 1, decision: 'approved', criteria: [true], version: d.version,
  });
  const ledger = (await api(server, brand, 'GET', `/api/v1/campaigns/${id}/rights`)).json;
  const entry = ledger.entries.find((e) => e.deliverable_id === deliverableId);
  assert.equal(entry.state, 'active');
  const ends = new Date(`${entry.ends_on}T12:00:00Z`);
  const endLabel = `${ends.getUTCDate()} ${ends.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })} ${ends.getUTCFullYear()}`;

  // The brand's Maya, on a phone-sized window: the Rights tab, the asset with its terms and its end.
  const ctx = await browser.newContext({ viewport: { width: 360, height: 800 }, hasTouch: true });
  const [n, v] = brand.split('=');
  await ctx.addCookies([{ name: n, value: v, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  const page = await ctx.newPage();
  await page.goto(`${server.base}/campaigns/${id}/rights`);
  await page.locator('a.tab[data-tab="rights"][aria-current="page"]').waitFor({ timeout: 10000 });
  const row = page.locator('[data-testid="rights-entry"]', { hasText: 'Spring ride post' });
  assert.equal(await row.getAttribute('data-state'), 'active');
  const text = await row.innerText();
  assert.match(text, /Isla Reed/);
  assert.match(text, /v1 accepted by Isla Reed/);
  assert.ok(text.includes(`– ${endLabel}`), `the ledger shows the end (${endLabel}): ${text}`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the rights ledger is ${width}px wide at 360`);

  // The content page marks the approved asset's rights.
  await page.goto(`${server.base}/campaigns/${id}/content`);
  const mark = page.locator(`[data-testid="deliverable"][data-id="${deliverableId}"] [data-testid="rights-mark"]`);
  await mark.waitFor({ timeout: 10000 });
  assert.equal(await mark.innerText(), 'Active');
  assert.match(await mark.getAttribute('class'), /rights-active/);

  // Isla adds the Spark Ads code from her phone; it shows in the ledger with who added it.
  const phone = await browser.newContext({ viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true });
  const [pn, pv] = isla.split('=');
  await phone.addCookies([{ name: pn, value: pv, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  const mine = await phone.newPage();
  await mine.goto(`${server.base}/portal/campaigns/${id}`);
  const card = mine.getByTestId('portal-terms');
  assert.equal(await card.getByTestId('portal-rights-state').getAttribute('data-state'), 'active');
  await card.locator('details.portal-code summary').click();
  const codeForm = card.getByTestId('portal-code-form');
  await codeForm.locator('select[name="kind"]').selectOption('spark');
  await codeForm.locator('input[name="code"]').fill('#SPARK-ISLA-7F3');
  await codeForm.getByRole('button', { name: 'Add the code' }).click();
  await mine.getByTestId('portal-codes').waitFor({ timeout: 10000 });
  assert.match(await mine.getByTestId('portal-codes').innerText(), /Spark Ads code #SPARK-ISLA-7F3/);
  await phone.close();

  await page.goto(`${server.base}/campaigns/${id}/rights`);
  assert.match(await page.locator('[data-testid="rights-entry"]', { hasText: 'Spring ride post' }).innerText(), /Spark Ads code #SPARK-ISLA-7F3/);
  await ctx.close();
});
