// The charter in the browser: two partners edit it together live, a creator comments from the portal,
// both partners sign, and the campaign launches through the gate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor } from './harness.mjs';

let server, browser, brand, agency, id, ids, creator;

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
  const maya = (await api(server, brand, 'GET', '/api/v1/me')).json;
  const jordan = (await api(server, agency, 'GET', '/api/v1/me')).json;
  ids = { maya: maya.user_id, jordan: jordan.user_id, brand: maya.org.id, agency: jordan.org.id };
  // Everything but the value proposition, which the partners write in the browser.
  const sections = {
    audience: { segment: 'Weekend hikers who camp', market: 'US + DE', region: 'PNW and DACH', age_band: '25-40', interests: 'hiking', language: 'EN, DE' },
    creative_brief: { markdown: '# The story\nReal trails, real weather.\n\n- Show the jacket in rain' },
    pillars: { pillars: [{ name: 'Trail tests', description: 'Real weather', dos: 'Rain', donts: 'Studio' }] },
    criteria: { ugc: ['Product visible in 3 s'], influencer: ['Disclosure #ad'], creator_expectations: 'Two drafts, one round of changes' },
    success: { targets: [
      { lane: 'influencer', metric: 'engagement_rate', comparison: '>=', value: 3 },
      { lane: 'influencer', metric: 'posts_published', comparison: '>=', value: 24 },
      { lane: 'ugc', metric: 'approved_ugc_assets', comparison: '>=', value: 40 },
      { lane: 'ugc', metric: 'engagement_rate_reach', comparison: '>=', value: 4 }] },
    thresholds: { thresholds: [{ metric: 'cpe', comparison: '>', value: 0.15, scope: 'campaign', scope_value: '', escalate_to: ids.maya }] },
    responsibilities: { items: [
      { org_id: ids.brand, responsibility: 'UGC strategy and approval', accountable: ids.maya },
      { org_id: ids.agency, responsibility: 'Influencer relations and talent', accountable: ids.jordan }] },
    ownership: { accountable_owner: ids.maya, creator_contact: ids.jordan },
    rotation: { slots: [{ quarter: '2027-Q1', lead_org_id: ids.brand }, { quarter: '2027-Q2', lead_org_id: ids.agency }] },
  };
  for (const [section, body] of Object.entries(sections)) await saveSection(brand, section, body);

  // A creator of the pool with an account of her own.
  const card = (await api(server, brand, 'POST', `/api/v1/campaigns/${id}/creators`, { name: 'Ava Chen', platform: 'instagram', handle: 'ava', lane: 'ugc' })).json;
  const cinv = (await api(server, brand, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'creator', creator_id: card.id })).json;
  const r = await fetch(`${server.base}/auth/creator-signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: cinv.token, name: 'Ava Chen', email: 'ava@creator.example', password: 'creator-pass' }),
  });
  creator = (r.headers.get('set-cookie') || '').split(';')[0];
  assert.ok(creator.startsWith('chorus_session='));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openCharter(page) {
  await page.goto(`${server.base}/campaigns/${id}/charter`);
  // Hydrated, and the live connection is up.
  await page.locator('.charter-page[data-live="live"]').waitFor({ timeout: 30000 });
}

test('partners edit the charter together and see each other live', async () => {
  const a = await (await contextFor(browser, server, brand)).newPage();
  const b = await (await contextFor(browser, server, agency)).newPage();
  await openCharter(a);
  await openCharter(b);

  const vpA = a.locator('section[data-section="value_proposition"]');
  const vpB = b.locator('section[data-section="value_proposition"]');
  await vpA.getByRole('button', { name: 'Edit value proposition' }).click();
  // B sees who is editing which section.
  await vpB.getByTestId('presence').getByText('Maya Lind (Northwind) editing').waitFor({ timeout: 15000 });

  // Two value propositions are refused with a clear message.
  await vpA.getByLabel('Value proposition (one)').fill('Stay dry on any trail\nThe cheapest jacket');
  await vpA.getByRole('button', { name: 'Save value proposition' }).click();
  await vpA.getByTestId('section-error').getByText('One value proposition only').waitFor();

  await vpA.getByLabel('Value proposition (one)').fill('Stay dry on any trail without the weight');
  await vpA.getByRole('button', { name: 'Save value proposition' }).click();
  await vpB.getByText('Stay dry on any trail without the weight').waitFor({ timeout: 10000 });
  await vpB.getByText(/v1 · Maya Lind/).waitFor();

  // The checklist now only waits for the sign-off.
  const missing = await b.locator('[data-testid="checklist"] li.missing').allTextContents();
  assert.deepEqual(missing.map((m) => m.replace(/^✗/, '').trim()), ['Propose the charter for sign-off']);
  await a.context().close();
  await b.context().close();
});

test('a creator comments on the brief from the portal and a partner resolves it', async () => {
  const phone = await contextFor(browser, server, creator, { width: 360, height: 740 });
  const p = await phone.newPage();
  await p.goto(server.base);
  await p.getByRole('link', { name: 'Read the joint strategy and comment' }).click();
  await p.getByTestId('contact').getByText('Jordan Reyes (Brightline)').waitFor();
  await p.getByText('Real trails, real weather.').waitFor();
  await p.locator('.portal[data-hydrated="yes"]').waitFor({ timeout: 30000 });
  const brief = p.locator('section[data-section="creative_brief"]');
  await brief.getByLabel('Comment on the creative brief').fill('Two teams asked me for different hooks. Which one?');
  await brief.getByRole('button', { name: 'Send to the partners' }).click();
  await brief.getByTestId('my-comment').getByText('Which one?').waitFor({ timeout: 10000 });
  // The creator cannot open the partners' charter nor sign.
  const resp = await p.goto(`${server.base}/campaigns/${id}/charter`);
  assert.equal(resp.status(), 404);
  const sign = await fetch(`${server.base}/api/v1/campaigns/${id}/charter/versions/1/sign`, { method: 'POST', headers: { cookie: creator } });
  assert.equal(sign.status, 404);

  // Her charter page stays open while the partner answers: the reply reaches it live.
  await p.goto(`${server.base}/portal/campaigns/${id}/charter`);
  await p.locator('.portal[data-live="live"]').waitFor({ timeout: 30000 });

  // The partner sees it beside the brief, as a warning on the checklist; replies and resolves it.
  const a = await (await contextFor(browser, server, agency)).newPage();
  await openCharter(a);
  const section = a.locator('section[data-section="creative_brief"]');
  const comment = section.getByTestId('comment').filter({ hasText: 'Which one?' });
  await comment.getByText('Ava Chen').waitFor();
  await a.locator('[data-testid="checklist"] li.warning').getByText('1 open creator comment(s)').waitFor();
  await comment.getByLabel('Reply').fill('Use the rain hook. I am your one contact.');
  await comment.getByRole('button', { name: 'Reply' }).click();
  await comment.getByText('Use the rain hook').waitFor({ timeout: 10000 });
  // On her phone, without a reload.
  await p.locator('section[data-section="creative_brief"]').getByTestId('reply').getByText('Use the rain hook').waitFor({ timeout: 10000 });
  await comment.getByRole('button', { name: 'Mark resolved' }).click();
  await comment.getByText('Resolved by Jordan Reyes').waitFor({ timeout: 10000 });

  await p.goto(`${server.base}/portal/campaigns/${id}/charter`);
  await p.getByText('Use the rain hook').waitFor();
  await p.getByText('Resolved by Jordan Reyes').waitFor();
  await phone.close();
  await a.context().close();
});

test('both partners sign and the campaign launches', async () => {
  const a = await (await contextFor(browser, server, brand)).newPage();
  const b = await (await contextFor(browser, server, agency)).newPage();
  await openCharter(a);
  await openCharter(b);

  // The gate is shut: the Launch button is disabled and says what is missing first.
  const launch = b.getByRole('button', { name: 'Launch the campaign' });
  assert.ok(await launch.isDisabled(), 'Launch is disabled while the gate is shut');
  await b.getByTestId('launch-gate').getByText('First: Propose the charter for sign-off').waitFor();
  // Pressed anyway (the gate shut under her), the refusal reads as a sentence, not "… (charter)".
  await launch.evaluate((el) => { el.disabled = false; el.click(); });
  const refusal = b.getByRole('alert').filter({ hasText: 'cannot go live yet: Propose the charter for sign-off' });
  await refusal.waitFor();
  assert.doesNotMatch((await refusal.innerText()).trim(), /\(charter\)$/);

  await a.getByRole('button', { name: 'Propose for sign-off' }).click();
  await b.getByTestId('version').getByText('1').waitFor({ timeout: 10000 });
  await a.getByRole('button', { name: 'Sign version 1' }).click();
  await b.locator('.signatures li.signed').getByText('signed by Maya Lind').waitFor({ timeout: 10000 });
  await b.getByRole('button', { name: 'Sign version 1' }).click();
  await a.locator('.signatures li.signed').getByText('signed by Jordan Reyes').waitFor({ timeout: 10000 });
  await b.getByRole('button', { name: 'Launch the campaign' }).click();
  await a.getByTestId('campaign-status').getByText('live').waitFor({ timeout: 10000 });
  assert.equal((await api(server, brand, 'GET', `/api/v1/campaigns/${id}`)).json.status, 'live');

  // The printable one-pager and the Markdown export show the signatures.
  await a.goto(`${server.base}/campaigns/${id}/charter/print`);
  await a.getByTestId('print').getByText('Brightline — signed by Jordan Reyes').waitFor();
  await a.emulateMedia({ media: 'print' });
  await a.pdf?.({ path: 'test-results/charter.pdf' }).catch(() => {});
  const md = await (await fetch(`${server.base}/api/v1/campaigns/${id}/charter.md`, { headers: { cookie: brand } })).text();
  assert.match(md, /Signed for Northwind by Maya Lind/);
  await a.context().close();
  await b.context().close();
});

async function signedAt(number) {
  const view = (await api(server, brand, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const v = [view.current, view.last_signed].find((x) => x && x.number === number);
  return Object.fromEntries(v.signatures.map((s) => [s.user_name, s.signed_at]));
}

/** The hour and minute of `iso` in `timeZone`, as the page writes them (24-hour clock). */
function clock(iso, timeZone) {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(iso));
}

test('each partner reads a signature time in their own zone, with the zone', async () => {
  const at = (await signedAt(1))['Jordan Reyes'];
  const read = {};
  for (const [timezoneId, zone] of [['America/New_York', /^E[SD]T$/], ['Europe/Berlin', /^CES?T$/]]) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId });
    const [name, value] = brand.split('=');
    await ctx.addCookies([{ name, value, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
    const page = await ctx.newPage();
    await openCharter(page);
    const time = page.locator('.signatures li.signed').filter({ hasText: 'Jordan Reyes' }).locator('time');
    await page.waitForFunction((el) => el.dataset.shown, await time.elementHandle());
    const text = await time.innerText();
    const m = text.match(/^(\d{1,2}) ([A-Z][a-z]{2}) (\d\d:\d\d) (\S+)$/);
    assert.ok(m, `"${text}" reads day month time zone`);
    assert.equal(m[3], clock(at, timezoneId), `${timezoneId}: ${text}`);
    assert.match(m[4], zone, `${timezoneId}: ${text}`);
    // The campaign's own zone stays in reach (the tooltip).
    assert.match(await time.getAttribute('title'), /the campaign’s time|your time/);
    read[timezoneId] = text;
    await ctx.close();
  }
  assert.notEqual(read['America/New_York'], read['Europe/Berlin'], 'New York and Berlin no longer read the same bare time');
});

test('saving a section after a signature warns first that the signatures will be voided', async () => {
  const a = await (await contextFor(browser, server, brand)).newPage();
  await openCharter(a);
  const before = (await api(server, brand, 'GET', `/api/v1/campaigns/${id}/charter`)).json.current.number;
  const vp = a.locator('section[data-section="value_proposition"]');
  await vp.getByRole('button', { name: 'Edit value proposition' }).click();
  await vp.getByLabel('Value proposition (one)').fill('Stay dry on any trail, half the weight');
  await vp.getByRole('button', { name: 'Save value proposition' }).click();
  const warning = vp.getByTestId('void-warning');
  await warning.getByText(`Version ${before} is signed by`).waitFor();
  await warning.getByText('voids those signatures').waitFor();
  // Nothing saved yet: backing out keeps the signed version.
  await warning.getByRole('button', { name: 'Keep editing' }).click();
  await a.waitForTimeout(300);
  assert.equal((await api(server, brand, 'GET', `/api/v1/campaigns/${id}/charter`)).json.current.number, before);
  await vp.getByRole('button', { name: 'Save value proposition' }).click();
  await vp.getByTestId('void-warning').getByRole('button', { name: 'Save and void the signatures' }).click();
  await a.getByTestId('version').getByText(String(before + 1)).waitFor({ timeout: 10000 });
  await a.context().close();
});

test('on a phone, the charter\'s controls are big enough to tap and nothing is wider than the screen', async () => {
  const ctx = await contextFor(browser, server, agency, { width: 360, height: 800 });
  const page = await ctx.newPage();
  await openCharter(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the charter is ${width}px wide at 360`);
  const small = await page.evaluate(() => [...document.querySelectorAll('.charter-page summary, .charter-page button, .charter-page a.button')]
    .filter((el) => el.getClientRects().length)
    .map((el) => ({ text: el.textContent.trim().slice(0, 30), h: el.getBoundingClientRect().height }))
    .filter((x) => x.h < 24));
  assert.deepEqual(small, [], 'tap targets under 24 px');
  const summary = await page.locator('summary').filter({ hasText: 'Comment on this section' }).first().boundingBox();
  assert.ok(summary.height >= 44, `"Comment on this section" is ${summary.height}px tall on a phone`);
  await ctx.close();
});
