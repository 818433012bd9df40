// The whole product as four people use it at once, from an empty server: a brand manager on a desktop (Maya,
// New York), a US agency on a laptop (Jordan, Chicago), an EU agency on a 360 px phone (Lena, Berlin) and a
// creator on a 360 px touch phone (Ava, Los Angeles). Charter → board → content → performance: at each step the
// test asserts what each of them SEES on the page they have open, live (no reload), and that the home inbox of
// the right person shows what waits for them. A second test follows the escalation banner's and the inbox's
// links to the deliverable they name (the demo's late review).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, card } from './harness.mjs';
import { solidPng } from './png.mjs';

const DESKTOP = { width: 1440, height: 900 };
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 800 };
/** How long a live change may take to show on another person's open page before the test fails (the product's
 * target is 150 ms at p95; this bound only keeps a slow CI machine from failing on noise). */
const LIVE = 10000;
/** How long a page may take to load and hydrate (the unoptimised dev build is slower). */
const LOAD = 30000;

let server, browser;
const people = [];

before(async () => {
  browser = await startBrowser();
});
after(async () => {
  for (const p of people) await p.ctx.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

/** A person with a browser of their own; `cookie` signs them in. */
async function person(name, viewport, { timezoneId, phone = false, cookie } = {}) {
  const ctx = await browser.newContext({ viewport, timezoneId, ...(phone ? { isMobile: true, hasTouch: true } : {}) });
  ctx.setDefaultTimeout(LOAD);
  if (cookie) {
    const [n, v] = cookie.split('=');
    await ctx.addCookies([{ name: n, value: v, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  }
  const page = await ctx.newPage();
  const who = { name, ctx, page };
  people.push(who);
  return who;
}

async function cookieOf(who) {
  const c = (await who.ctx.cookies(server.base)).find((c) => c.name === 'chorus_session');
  assert.ok(c, `${who.name} is signed in`);
  return `${c.name}=${c.value}`;
}

/** How long each live check waited (from the step before it to the change on screen), for the report. */
const waits = [];

/** Waits until `who` sees `locator` (its first match) on the page they have open. */
async function sees(who, locator, what, timeout = LIVE) {
  const t0 = Date.now();
  try {
    await locator.first().waitFor({ timeout });
  } catch (e) {
    throw new Error(`${who.name} does not see ${what} within ${timeout} ms (${e.message.split('\n')[0]})`);
  }
  if (timeout === LIVE) waits.push(Date.now() - t0);
}

/** Marks the open page; `stillOpen` then checks that it was never reloaded (what was seen came live). */
async function keepOpen(...who) {
  for (const w of who) await w.page.evaluate(() => (window.__journey = 'open'));
}
async function stillOpen(...who) {
  for (const w of who) assert.equal(await w.page.evaluate(() => window.__journey), 'open', `${w.name}'s page was reloaded`);
}

const url = (path) => `${server.base}${path}`;
async function openBoard(who, id) {
  await who.page.goto(url(`/campaigns/${id}`));
  await who.page.locator('.live[data-status="live"]').waitFor({ timeout: LOAD });
}
async function openCharter(who, id) {
  await who.page.goto(url(`/campaigns/${id}/charter`));
  await who.page.locator('.charter-page[data-live="live"]').waitFor({ timeout: LOAD });
}
async function openContent(who, id) {
  await who.page.goto(url(`/campaigns/${id}/content`));
  await who.page.locator('section.content-page[data-live="live"]').waitFor({ timeout: LOAD });
}
async function openPerformance(who, id) {
  await who.page.goto(url(`/campaigns/${id}/performance`));
  await who.page.locator('section.dashboard[data-live="live"]').waitFor({ timeout: LOAD });
}
async function openHome(who) {
  await who.page.goto(url('/'));
  await who.page.locator('[data-testid="inbox"][data-live="live"]').waitFor({ timeout: LOAD });
  return who.page.getByTestId('inbox');
}

/** The board's "Add a creator" form (opening it first where it sits behind a toolbar action). */
async function addForm(page) {
  const form = page.getByTestId('add-creator');
  if (!(await form.isVisible())) await page.getByRole('button', { name: /^Add a creator/ }).first().click();
  await form.getByLabel('Name', { exact: true }).waitFor({ state: 'visible' });
  return form;
}

/** After "Add to the pool": the confirmation, then back to the board (the sheet closes). */
async function doneAdding(form, press = 'click') {
  await form.getByTestId('added').waitFor({ timeout: LIVE });
  await form.getByRole('button', { name: 'Done: show the board' })[press]();
  await form.waitFor({ state: 'hidden', timeout: LIVE });
}

/**
 * Follows "Invite a partner" from the board in a second tab (the board stays open and live), fills the partner's
 * email and returns the path of the new invitation link the page shows.
 */
async function invitePartner(page, email) {
  const link = page.getByRole('link', { name: 'Invite a partner', exact: true }).first();
  const href = await link.getAttribute('href');
  assert.match(href, /^\/campaigns\/\d+\/invite$/);
  const tab = await page.context().newPage();
  await tab.goto(new URL(href, page.url()).href);
  await tab.getByLabel('Their email (optional)').fill(email);
  await tab.getByRole('button', { name: 'Create the invitation link' }).click();
  const shown = tab.getByTestId('invite-link');
  await shown.waitFor({ timeout: LIVE });
  const path = new URL(await shown.textContent()).pathname;
  await tab.close();
  return path;
}

/** The deliverable that `page`'s address names is its `:target`, and in view below the sticky chrome. */
async function landsOn(page, deliverableId, viewportHeight) {
  await page.waitForURL(new RegExp(`/content#deliverable-${deliverableId}$`), { timeout: LOAD });
  const target = page.locator(`#deliverable-${deliverableId}`);
  await target.waitFor();
  assert.equal(await target.getAttribute('data-testid'), 'deliverable');
  assert.equal(await target.evaluate((el) => el.matches(':target')), true, 'the deliverable is the link\'s target');
  // Scrolling to the target may be smooth: wait for it to settle in view.
  await page.waitForFunction((id) => {
    const r = document.getElementById(`deliverable-${id}`).getBoundingClientRect();
    const chrome = document.querySelector('[data-testid="campaign-chrome"]')?.getBoundingClientRect();
    return r.top >= (chrome ? Math.min(chrome.bottom, window.innerHeight / 2) : 0) - 1 && r.top < window.innerHeight - 40;
  }, deliverableId, { timeout: 5000 }).catch(() => {});
  const box = await target.boundingBox();
  const chrome = await page.getByTestId('campaign-chrome').boundingBox();
  assert.ok(box.y >= chrome.y + chrome.height - 1 && box.y < viewportHeight - 40,
    `the deliverable is in view below the tabs: ${JSON.stringify(box)}, chrome ${JSON.stringify(chrome)}`);
}

/** This quarter and the next, as the charter names them ("2027-Q1"). */
function quarters() {
  const now = new Date();
  const q = Math.floor(now.getUTCMonth() / 3);
  return [[now.getUTCFullYear(), q], [now.getUTCFullYear() + (q === 3 ? 1 : 0), (q + 1) % 4]].map(([y, n]) => `${y}-Q${n + 1}`);
}

async function saveSection(cookie, id, section, body) {
  const view = (await api(server, cookie, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const version = view.sections.find((s) => s.section === section).version;
  await api(server, cookie, 'PUT', `/api/v1/campaigns/${id}/charter/sections/${section}`, { body, version });
}

test('a brand, two agencies and a creator on a phone run a campaign together, each seeing the others live', async (t) => {
  server = await startServer();
  const started = Date.now();
  const step = (name) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s: ${name}`);

  // ---- Sign-up, a new campaign, two partners invited ----------------------------------------------------------
  const maya = await person('Maya (brand, desktop)', DESKTOP, { timezoneId: 'America/New_York' });
  await maya.page.goto(url('/signup'));
  await maya.page.getByLabel('Your name').fill('Maya Lind');
  await maya.page.getByLabel('Email').fill('maya@northwind.example');
  await maya.page.getByLabel(/^Password/).fill('correct horse');
  await maya.page.getByLabel('Organization').fill('Northwind Outdoor');
  await maya.page.locator('input[name="org_kind"][value="brand"]').check();
  await maya.page.getByRole('button', { name: 'Create account' }).click();
  await sees(maya, maya.page.getByRole('heading', { name: 'Campaigns of Northwind Outdoor' }), 'her home page', LOAD);
  await maya.page.getByLabel('Name', { exact: true }).fill('Trailhead Spring Launch');
  await maya.page.getByRole('button', { name: 'Create', exact: true }).click();
  await maya.page.waitForURL(/\/campaigns\/\d+$/, { timeout: LOAD });
  const id = Number(maya.page.url().match(/\/campaigns\/(\d+)$/)[1]);
  await maya.page.locator('.live[data-status="live"]').waitFor({ timeout: LOAD });
  await sees(maya, maya.page.getByRole('heading', { name: 'Trailhead Spring Launch' }), 'the new campaign\'s board');
  step('campaign created');

  const jordanCookie = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  const lenaCookie = await signUp(server, 'Lena Vogel', 'lena@kanal.example', 'Kanal Studio Berlin');
  const jordan = await person('Jordan (US agency, laptop)', LAPTOP, { timezoneId: 'America/Chicago', cookie: jordanCookie });
  const lena = await person('Lena (EU agency, 360 px phone)', PHONE, { timezoneId: 'Europe/Berlin', phone: true, cookie: lenaCookie });

  await keepOpen(maya);
  const toJordan = await invitePartner(maya.page, 'jordan@brightline.example');
  assert.match(toJordan, /^\/invite\//);
  await jordan.page.goto(url(toJordan));
  await jordan.page.getByRole('button', { name: 'Join as Brightline Social' }).click();
  await jordan.page.waitForURL(new RegExp(`/campaigns/${id}$`), { timeout: LOAD });
  await jordan.page.locator('.live[data-status="live"]').waitFor({ timeout: LOAD });
  await sees(maya, maya.page.locator('.chip.partner', { hasText: 'Brightline Social' }), 'the US agency join');

  const toLena = await invitePartner(maya.page, 'lena@kanal.example');
  assert.notEqual(toLena, toJordan, 'a new single-use link');
  await lena.page.goto(url(toLena));
  await lena.page.getByRole('button', { name: 'Join as Kanal Studio Berlin' }).tap();
  await lena.page.waitForURL(new RegExp(`/campaigns/${id}$`), { timeout: LOAD });
  await lena.page.locator('.live[data-status="live"]').waitFor({ timeout: LOAD });
  await keepOpen(jordan);
  await sees(maya, maya.page.locator('.chip.partner', { hasText: 'Kanal Studio Berlin' }), 'the EU agency join');
  await sees(jordan, jordan.page.locator('.chip.partner', { hasText: 'Kanal Studio Berlin' }), 'the EU agency join');
  await stillOpen(maya, jordan);
  step('two partners joined');

  // ---- The charter: drafted, edited together, signed by all three, launched ----------------------------------
  const mayaCookie = await cookieOf(maya);
  const me = async (cookie) => (await api(server, cookie, 'GET', '/api/v1/me')).json;
  const [m, j, l] = [await me(mayaCookie), await me(jordanCookie), await me(lenaCookie)];
  // The sections nobody argues about, drafted through the API; the rest is written in the browser.
  const drafted = {
    audience: { segment: 'Weekend hikers who camp', market: 'US', region: 'PNW and DACH', age_band: '25-40', interests: 'hiking', language: 'EN, DE' },
    creative_brief: { markdown: '# The story\nReal trails, real weather.\n\n- Show the jacket in rain' },
    pillars: { pillars: [{ name: 'Trail tests', description: 'Real weather', dos: 'Rain', donts: 'Studio' }] },
    criteria: { ugc: ['Product visible in 3 s'], influencer: ['Disclosure #ad', 'Jacket in the first 3 s'], creator_expectations: 'Two drafts, one round of changes' },
    success: { targets: [
      { lane: 'influencer', metric: 'engagement_rate', comparison: '>=', value: 3 },
      { lane: 'influencer', metric: 'posts_published', comparison: '>=', value: 24 },
      { lane: 'ugc', metric: 'approved_ugc_assets', comparison: '>=', value: 40 },
      { lane: 'ugc', metric: 'engagement_rate_reach', comparison: '>=', value: 4 }] },
    // A cost per engagement over $0.15 in the influencer lane goes to Lena.
    thresholds: { thresholds: [{ metric: 'cpe', comparison: '>', value: 0.15, scope: 'lane', scope_value: 'influencer', escalate_to: l.user_id }] },
    responsibilities: { items: [
      { org_id: m.org.id, responsibility: 'UGC strategy and approval', accountable: m.user_id },
      { org_id: j.org.id, responsibility: 'Influencer relations and talent', accountable: j.user_id },
      { org_id: l.org.id, responsibility: 'EU market localisation', accountable: l.user_id }] },
    ownership: { accountable_owner: m.user_id, creator_contact: j.user_id },
    // The brand leads UGC this quarter, the US agency the next.
    rotation: { slots: quarters().map((quarter, i) => ({ quarter, lead_org_id: i ? j.org.id : m.org.id })) },
  };
  for (const [section, body] of Object.entries(drafted)) await saveSection(mayaCookie, id, section, body);

  await Promise.all([openCharter(maya, id), openCharter(jordan, id), openCharter(lena, id)]);
  await keepOpen(maya, jordan, lena);
  const section = (who, key) => who.page.locator(`section[data-section="${key}"]`);

  // Maya writes the value proposition; both agencies see it arrive.
  const vp = section(maya, 'value_proposition');
  await vp.getByRole('button', { name: 'Edit value proposition' }).click();
  await sees(lena, section(lena, 'value_proposition').getByTestId('presence').getByText('Maya Lind'), 'who is editing');
  await vp.getByLabel('Value proposition (one)').fill('Stay dry on any trail without the weight');
  await vp.getByRole('button', { name: 'Save value proposition' }).click();
  for (const who of [jordan, lena]) {
    await sees(who, section(who, 'value_proposition').getByText('Stay dry on any trail without the weight'), 'Maya\'s value proposition');
  }
  // Lena, on her phone, widens the market; the others see it.
  const audience = section(lena, 'audience');
  await audience.getByRole('button', { name: 'Edit audience' }).tap();
  await audience.getByLabel('Market').fill('US + DACH');
  await audience.getByRole('button', { name: 'Save audience' }).tap();
  for (const who of [maya, jordan]) await sees(who, section(who, 'audience').getByText('US + DACH'), 'Lena\'s market');
  step('charter edited together');

  // Proposed; then each partner signs, and the other two see the signature come in.
  await maya.page.getByRole('button', { name: 'Propose for sign-off' }).click();
  for (const who of [jordan, lena]) await sees(who, who.page.getByTestId('version').getByText('1', { exact: true }), 'version 1 proposed');
  const signs = [[maya, 'Maya Lind'], [jordan, 'Jordan Reyes'], [lena, 'Lena Vogel']];
  for (const [signer, name] of signs) {
    const button = signer.page.getByRole('button', { name: 'Sign version 1' });
    if (signer === lena) await button.tap(); else await button.click();
    for (const [who] of signs.filter(([w]) => w !== signer)) {
      await sees(who, who.page.locator('.signatures li.signed').getByText(`signed by ${name}`), `${name}'s signature`);
    }
  }
  const launch = jordan.page.getByRole('button', { name: 'Launch the campaign' });
  await jordan.page.waitForFunction((el) => !el.disabled, await launch.elementHandle(), { timeout: LIVE });
  await launch.click();
  for (const who of [maya, lena]) await sees(who, who.page.getByTestId('campaign-status').getByText('live'), 'the campaign live');
  await stillOpen(maya, jordan, lena);
  step('charter signed by three, launched');

  // ---- The board: agencies add creators and move them; the phone shows one stage at a time -----------------
  await Promise.all([openBoard(maya, id), openBoard(jordan, id), openBoard(lena, id)]);
  await keepOpen(maya, jordan, lena);
  const addJ = await addForm(jordan.page);
  await addJ.getByLabel('Name', { exact: true }).fill('Ava Chen');
  await addJ.getByLabel('Handle').fill('ava.outdoors');
  await addJ.getByLabel('Followers').fill('48,000');
  await addJ.getByRole('button', { name: 'Add to the pool' }).click();
  await doneAdding(addJ);
  await sees(maya, card(maya.page, 'prospect', 'ava.outdoors'), 'Jordan\'s new creator');
  // Lena's phone shows the Prospect stage: the card is there, on screen.
  await sees(lena, card(lena.page, 'prospect', 'ava.outdoors'), 'Jordan\'s new creator');

  const addL = await addForm(lena.page);
  await addL.getByLabel('Name', { exact: true }).fill('Marco Bianchi');
  await addL.getByLabel('Handle').fill('marco.trails');
  await addL.getByLabel('Followers').fill('21,500');
  await addL.getByRole('button', { name: 'Add to the pool' }).tap();
  await doneAdding(addL, 'tap');
  for (const who of [maya, jordan]) await sees(who, card(who.page, 'prospect', 'marco.trails'), 'Lena\'s new creator');

  // Jordan moves Ava on; on Lena's phone she leaves Prospect, and the stage switcher finds her in Contacted.
  await card(jordan.page, 'prospect', 'ava.outdoors').getByLabel('Move Ava Chen to').selectOption('contacted');
  await sees(maya, card(maya.page, 'contacted', 'ava.outdoors'), 'Ava moved to Contacted');
  await card(lena.page, 'prospect', 'ava.outdoors').waitFor({ state: 'detached', timeout: LIVE });
  const switcher = lena.page.getByTestId('stage-switcher');
  await switcher.getByRole('tab', { name: /Contacted/ }).tap();
  await sees(lena, card(lena.page, 'contacted', 'ava.outdoors'), 'Ava in Contacted');
  assert.ok(await lena.page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'the phone board fits 360 px');
  // Lena moves her on to Contracted from the phone; both desktops follow.
  await card(lena.page, 'contacted', 'ava.outdoors').getByLabel('Move Ava Chen to').selectOption('contracted');
  for (const who of [maya, jordan]) await sees(who, card(who.page, 'contracted', 'ava.outdoors'), 'Ava contracted from the phone');
  await stillOpen(maya, jordan, lena);
  step('board: two creators added, Ava contracted');

  // ---- Ava gets a portal account on her phone ----------------------------------------------------------------
  await card(jordan.page, 'contracted', 'ava.outdoors').getByRole('button', { name: 'Ava Chen' }).click();
  const detail = jordan.page.getByTestId('card-detail');
  await detail.getByRole('button', { name: 'Create a portal invitation' }).click();
  const toAva = new URL(await detail.getByTestId('invite-link').textContent({ timeout: LIVE })).pathname;
  await jordan.page.keyboard.press('Escape');
  const ava = await person('Ava (creator, 360 px touch phone)', PHONE, { timezoneId: 'America/Los_Angeles', phone: true });
  await ava.page.goto(url(toAva));
  await sees(ava, ava.page.getByRole('heading', { name: 'Welcome, Ava Chen' }), 'her invitation');
  await ava.page.getByLabel('Email').fill('ava@creator.example');
  await ava.page.getByLabel(/^Password/).fill('creator-pass');
  await ava.page.getByRole('button', { name: 'Create creator account' }).tap();
  await ava.page.getByRole('link', { name: 'Your deliverables' }).tap();
  await ava.page.locator('section.portal[data-live="live"]').waitFor({ timeout: LOAD });
  await sees(ava, ava.page.getByTestId('contact').getByText('Jordan Reyes'), 'her one point of contact');
  await keepOpen(ava);
  step('creator signed up on her phone');

  // ---- Content: briefed, drafted on the phone, reviewed, approved --------------------------------------------
  await Promise.all([openContent(jordan, id), openContent(maya, id)]);
  await keepOpen(maya);
  const brief = jordan.page.locator('section.new-deliverable');
  const option = brief.locator('select[name="creator_id"] option', { hasText: 'Ava Chen' });
  await option.waitFor({ state: 'attached' });
  await brief.locator('select[name="creator_id"]').selectOption(await option.getAttribute('value'));
  await brief.getByLabel('Title').fill('Trail test reel');
  await brief.getByLabel('Due (campaign time)').fill(new Date(Date.now() + 21 * 86400000).toISOString().slice(0, 10));
  await brief.getByLabel('What is expected').fill('A 20-second reel in the rain');
  await brief.getByRole('button', { name: 'Brief' }).click();
  const item = ava.page.getByTestId('portal-deliverable').filter({ hasText: 'Trail test reel' });
  await sees(ava, item.getByTestId('status').filter({ hasText: 'Awaiting draft' }), 'her new brief');
  const deliverableId = Number(await item.getAttribute('data-id'));
  const row = (who) => who.page.locator(`[data-testid="deliverable"][data-id="${deliverableId}"]`);
  await sees(maya, row(maya), 'the brief Jordan wrote');

  // Jordan waits on his home page: "What needs you".
  const jordanInbox = await openHome(jordan);
  await keepOpen(jordan);
  await item.getByTestId('file-input').setInputFiles({ name: 'ridge.png', mimeType: 'image/png', buffer: solidPng(320, 240) });
  await sees(ava, item.getByText('✓ uploaded'), 'her upload done', LOAD);
  await sees(ava, item.getByTestId('thumb'), 'a thumbnail of her picture');
  await item.locator('textarea[name="caption"]').fill('Rain test on the ridge\n#ad');
  await item.getByRole('button', { name: 'Send for review' }).tap();
  await sees(ava, item.getByTestId('status').filter({ hasText: 'In review' }), 'her draft in review');
  await sees(maya, row(maya).locator('.status.in_review'), 'the draft arrive');
  const review = jordanInbox.locator('[data-testid="inbox-item"][data-kind="review"]').filter({ hasText: 'Trail test reel' });
  await sees(jordan, review, 'the review waiting for him in his inbox');
  assert.match(await review.textContent(), /Review Ava Chen's "Trail test reel" \(v1\)/);
  await stillOpen(jordan);

  // The inbox's link lands on the deliverable itself.
  await review.getByRole('link').first().click();
  await landsOn(jordan.page, deliverableId, LAPTOP.height);
  await jordan.page.locator('section.content-page[data-live="live"]').waitFor({ timeout: LOAD });
  const panel = row(jordan).getByTestId('review-panel');
  if (!(await panel.isVisible())) await row(jordan).locator('.deliverable-head').click();
  await sees(jordan, panel.locator('img[alt="Preview of ridge.png"]'), 'the draft\'s picture');
  await panel.locator('textarea[name="feedback"]').fill('Show the jacket in the first 3 seconds');
  await panel.getByRole('button', { name: 'Request changes' }).click();
  await sees(ava, item.getByTestId('status').filter({ hasText: 'Changes requested' }), 'the decision');
  await sees(ava, item.getByText('Show the jacket in the first 3 seconds'), 'Jordan\'s feedback');
  await sees(maya, row(maya).locator('.status.changes_requested'), 'the decision');

  // v2 from the phone; approved; everyone sees it.
  await item.locator('input[name="link"]').fill('https://www.instagram.com/p/trail-reel-v2');
  await item.locator('textarea[name="caption"]').fill('Jacket first, then the ridge\n#ad');
  await item.getByRole('button', { name: 'Send for review' }).tap();
  await sees(jordan, row(jordan).locator('.status.in_review'), 'v2 arrive');
  if (!(await panel.isVisible())) await row(jordan).locator('.deliverable-head').click();
  await sees(jordan, row(jordan).getByTestId('caption-diff').locator('.added').filter({ hasText: 'Jacket first' }), 'what changed in the caption');
  await row(jordan).getByRole('button', { name: 'Approve' }).click();
  await sees(ava, item.getByTestId('status').filter({ hasText: 'Approved' }), 'her draft approved');
  await sees(ava, ava.page.getByTestId('toast').filter({ hasText: 'approved' }), 'the approval toast');
  await sees(maya, row(maya).locator('.status.approved'), 'the approval');
  assert.ok(await ava.page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'the portal fits 360 px');
  await stillOpen(maya, ava);
  step('content: draft, changes, v2, approved');

  // ---- Performance: a post tracked, a day's figures, the dashboards and the right inbox follow -------------
  await Promise.all([openPerformance(maya, id), openPerformance(jordan, id), openPerformance(lena, id)]);
  await keepOpen(maya, lena);
  for (const who of [maya, lena]) {
    assert.equal((await who.page.locator('[data-kpi="cpe"] .kpi-value').textContent()).trim(), '—', 'no figures yet');
  }
  await jordan.page.getByTestId('get-data-in').getByRole('link', { name: 'Track a post' }).click();
  const track = jordan.page.getByTestId('track-post-form');
  await track.getByLabel('Creator').selectOption({ label: 'Ava Chen' });
  await track.getByLabel('Address (URL)').fill('https://www.instagram.com/p/trail-reel');
  await track.getByLabel('Title (optional)').fill('Trail test reel');
  await track.getByRole('button', { name: 'Track this post' }).click();
  await sees(jordan, jordan.page.getByTestId('tracked'), 'the post tracked');
  const entry = jordan.page.locator('details#quick-entry');
  if (!(await entry.evaluate((el) => el.open))) await entry.locator('summary').click();
  await jordan.page.waitForFunction(() => document.querySelector('#quick-entry select[name="post_id"]')?.selectedOptions[0]?.textContent.includes('Trail test reel'), null, { timeout: LIVE });
  await entry.getByLabel('Day').fill(new Date(Date.now() - 86400000).toISOString().slice(0, 10));
  await entry.getByLabel('impressions', { exact: true }).fill('50,000');
  await entry.getByLabel('reach', { exact: true }).fill('20000');
  await entry.getByLabel('likes', { exact: true }).fill('900');
  await entry.getByLabel('comments', { exact: true }).fill('100');
  await entry.getByLabel('fee (USD)').fill('300');
  await entry.getByRole('button', { name: 'Save the figures' }).click();
  // $300 for 1,000 engagements: $0.30, over the $0.15 threshold, which escalates to Lena.
  for (const who of [maya, lena]) {
    await sees(who, who.page.locator('[data-kpi="cpe"] .kpi-value').filter({ hasText: '$0.30' }), 'the new cost per engagement');
    await sees(who, who.page.getByTestId('funnel').getByText('50,000'), 'the impressions in the funnel');
  }
  const breach = (who) => who.page.getByTestId('escalation-feed').getByTestId('escalation').filter({ hasText: 'Cost per engagement' });
  await sees(maya, breach(maya), 'the escalation');
  assert.match(await breach(maya).first().textContent(), /Assigned to Lena Vogel/);
  const banner = lena.page.getByTestId('banner-escalation').filter({ hasText: 'Cost per engagement' });
  await sees(lena, banner, 'the escalation in the banner');
  assert.match(await banner.first().textContent(), /Assigned to you/);
  assert.ok(await lena.page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'the dashboard fits 360 px');
  await stillOpen(maya, lena);
  step('performance: figures in, dashboards and escalation live');

  // ---- What waits for whom: Lena's inbox has the escalation, linking to Performance; Maya's does not ------------
  const lenaInbox = await openHome(lena);
  const escalation = lenaInbox.locator('[data-testid="inbox-item"][data-kind="escalation"]').filter({ hasText: 'Cost per engagement' });
  await sees(lena, escalation, 'the escalation assigned to her');
  assert.equal(await escalation.getByRole('link').first().getAttribute('href'), `/campaigns/${id}/performance`);
  assert.ok(await lena.page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'the home page fits 360 px');
  const mayaInbox = await openHome(maya);
  assert.equal(await mayaInbox.locator('[data-testid="inbox-item"][data-kind="escalation"]').count(), 0, 'Maya is not asked');
  const jordanInbox2 = await openHome(jordan);
  assert.equal(await jordanInbox2.locator('[data-testid="inbox-item"][data-kind="review"]').count(), 0, 'Jordan has no review left');
  step('inboxes');
  const took = Date.now() - started;
  const sorted = [...waits].sort((a, b) => a - b);
  t.diagnostic(`the journey took ${(took / 1000).toFixed(1)} s; ${sorted.length} live checks waited ` +
    `p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms (from the step before, not a latency benchmark)`);
});

test('the escalation banner\'s and the inbox\'s links land on the deliverable they name', async () => {
  await server?.stop();
  server = await startServer({ args: ['--demo'] });
  const signIn = async (email) => (await api(server, null, 'POST', '/api/v1/auth/signin', { email, password: 'chorus-demo' })).cookie;
  const maya = await signIn('maya@northwind.example');
  const id = (await api(server, maya, 'GET', '/api/v1/campaigns')).json[0].id;
  let review;
  for (let i = 0; i < 100 && !review; i++) {
    const all = (await api(server, maya, 'GET', `/api/v1/campaigns/${id}/escalations`)).json;
    review = all.find((e) => e.kind === 'review_sla' && e.status !== 'resolved');
    if (!review) await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(review, 'the demo raises a review-SLA escalation');
  let assignee;
  for (const email of ['maya@northwind.example', 'jordan@brightline.example', 'lena@kanal.example', 'sam@brightline.example']) {
    const cookie = await signIn(email);
    if ((await api(server, cookie, 'GET', '/api/v1/me')).json.user_id === review.assignee_user_id) assignee = cookie;
  }
  assert.ok(assignee, 'assigned to a demo partner');

  for (const [viewport, phone] of [[DESKTOP, false], [PHONE, true]]) {
    const who = await person(`the assignee (${viewport.width} px)`, viewport, { cookie: assignee, phone });
    // From the board's banner.
    await who.page.goto(url(`/campaigns/${id}`));
    const line = who.page.getByTestId('banner-escalation').filter({ hasText: review.title });
    await sees(who, line, 'the late review in the banner', LOAD);
    await line.getByRole('link').click();
    await landsOn(who.page, review.deliverable_id, viewport.height);
    // From the home page's inbox.
    const inbox = await openHome(who);
    const item = inbox.locator('[data-testid="inbox-item"][data-kind="escalation"]').filter({ hasText: review.title });
    await sees(who, item, 'the late review in the inbox');
    await item.getByRole('link').first().click();
    await landsOn(who.page, review.deliverable_id, viewport.height);
    await who.ctx.close();
  }
});
