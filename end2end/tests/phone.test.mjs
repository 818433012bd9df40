// Every page, for every role, on a 360 px phone: nothing wider than the screen, no text under 12 px, tap targets
// of at least 24 px (44 px for primary actions). Runs on the demo campaign (`--demo`), signed in as the brand's
// manager, an agency partner and a creator, and signed out (sign-in, sign-up, invitations, the offline page).
// Every page is also kept as a whole-page screenshot at 360 and 1440 px in target/screenshots/, named
// `<role>-<page>-<width>.png`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { startServer, startBrowser, api, contextFor } from './harness.mjs';

const PHONE = { width: 360, height: 800 };
const DESKTOP = { width: 1440, height: 900 };
const SHOTS = process.env.CHORUS_SCREENSHOTS || '../target/screenshots';
let server, browser;

before(async () => {
  server = await startServer({ args: ['--demo'] });
  browser = await startBrowser();
  mkdirSync(SHOTS, { recursive: true });
  await twoWeeksOfFigures(await signIn('maya@northwind.example'));
});

/** Four tracked posts (two per lane) with two weeks of daily figures, so that the performance page is checked (and
 * pictured) with its charts and tables full, not empty. */
async function twoWeeksOfFigures(cookie) {
  const id = Math.min(...(await api(server, cookie, 'GET', '/api/v1/campaigns')).json.map((c) => c.id));
  const { cards } = (await api(server, cookie, 'GET', `/api/v1/campaigns/${id}/board`)).json;
  const picked = ['influencer', 'ugc'].flatMap((lane) => cards.filter((c) => c.lane === lane).slice(0, 2));
  const rows = [];
  for (const [n, c] of picked.entries()) {
    const post = (await api(server, cookie, 'POST', `/api/v1/campaigns/${id}/posts`, {
      creator_id: c.id, platform: c.platform, url: `https://${c.platform}.example/${c.handle}/${n + 1}`, title: `Launch post ${n + 1}`,
    })).json;
    for (let d = 0; d < 14; d++) {
      const day = new Date(Date.now() - (15 - d) * 86400000).toISOString().slice(0, 10);
      const wave = 1 + 0.5 * Math.sin((d + n * 3) / 2);
      const impressions = Math.round((12000 + n * 6000) * wave);
      const reach = Math.round(impressions * 0.62);
      rows.push({
        post_id: post.id, day, impressions, reach,
        likes: Math.round(reach * (0.02 + n * 0.004)), comments: Math.round(reach * 0.003),
        clicks: Math.round(reach * 0.011), conversions: Math.round(reach * 0.0009),
        // Fees spread over the days: a cost per engagement under the demo charter's $0.15 threshold.
        revenue_cents: Math.round(reach * 0.0009) * 8900, fee_cents: c.lane === 'ugc' ? 1000 : 1500,
      });
    }
  }
  await api(server, cookie, 'POST', `/api/v1/campaigns/${id}/metrics`, { source: 'manual', rows });
}
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(email) {
  const { cookie } = await api(server, null, 'POST', '/api/v1/auth/signin', { email, password: 'chorus-demo' });
  return cookie;
}

/** What is wrong with the page as a phone shows it: a list of readable findings (empty when all is well). */
async function phoneFindings(page) {
  return page.evaluate(() => {
    const found = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) {
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && getComputedStyle(e).position !== 'fixed')
        .slice(0, 3)
        .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
      found.push(`page is ${doc.scrollWidth} px wide (${wide.join(', ')})`);
    }
    const visible = (e) => {
      const r = e.getBoundingClientRect();
      const s = getComputedStyle(e);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && !e.closest('[hidden], .sr-only, .visually-hidden');
    };
    for (const e of document.querySelectorAll('body *')) {
      const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !visible(e)) continue;
      const size = parseFloat(getComputedStyle(e).fontSize);
      if (size < 12) found.push(`text "${e.textContent.trim().slice(0, 30)}" is ${size} px`);
      if (getComputedStyle(e).textTransform === 'uppercase' && e.textContent.trim().length > 24) {
        found.push(`uppercase text "${e.textContent.trim().slice(0, 30)}"`);
      }
    }
    for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=tab]')) {
      if (!visible(e)) continue;
      // A radio or checkbox is tapped through its label (the label's box is the target).
      const r = (e.matches('[type=radio], [type=checkbox]') && e.closest('label') || e).getBoundingClientRect();
      // Links inside running text are exempt (WCAG 2.5.8 "inline").
      if (e.tagName === 'A' && getComputedStyle(e).display === 'inline' && e.closest('p, li, td, dd, figcaption')) continue;
      const primary = e.matches('.primary, [type=submit]');
      const min = primary ? 44 : 24;
      if (r.height < min - 0.5 || r.width < 24 - 0.5) {
        found.push(`${primary ? 'primary ' : ''}target "${(e.textContent || e.getAttribute('aria-label') || e.name || e.tagName).trim().slice(0, 30)}" is ${Math.round(r.width)}×${Math.round(r.height)} px`);
      }
    }
    return [...new Set(found)];
  });
}

/** Opens each named page at 360 px (screenshot, findings), then at 1440 px (screenshot), whole pages: files are
 * `${who}-${name}-360.png` and `-1440.png` in target/screenshots/ (scripts/screenshots.sh picks the README's). */
async function checkPages(who, cookie, pages) {
  const ctx = cookie ? await contextFor(browser, server, cookie, PHONE) : await browser.newContext({ viewport: PHONE });
  ctx.setDefaultTimeout(30000);
  const page = await ctx.newPage();
  const problems = [];
  const list = await pages(page);
  for (const [name, path] of list) {
    await page.setViewportSize(PHONE);
    await page.goto(`${server.base}${path}`);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${SHOTS}/${who}-${name}-360.png`, fullPage: true });
    for (const f of await phoneFindings(page)) problems.push(`${name} (${path}): ${f}`);
    await page.setViewportSize(DESKTOP);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/${who}-${name}-1440.png`, fullPage: true });
  }
  await ctx.close();
  assert.deepEqual(problems, [], `${who} on a 360 px phone:\n${problems.join('\n')}`);
  return list.map(([name]) => name);
}

let campaignId;
async function campaignPages(page) {
  await page.goto(`${server.base}/`);
  const href = await page.locator('a[href^="/campaigns/"]').first().getAttribute('href');
  campaignId = Number(href.match(/^\/campaigns\/(\d+)/)[1]);
  const c = `/campaigns/${campaignId}`;
  return [['home', '/'], ['board', c], ['charter', `${c}/charter`], ['charter-print', `${c}/charter/print`],
    ['content', `${c}/content`], ['performance', `${c}/performance`],
    ['settings-organization', '/settings/organization'], ['settings-tokens', '/settings/tokens']];
}

test('the brand manager: every page fits a 360 px phone', async () => {
  await checkPages('brand', await signIn('maya@northwind.example'), async (page) =>
    [...await campaignPages(page), ['not-found', '/campaigns/999999']]);
});

test('an agency partner: every page fits a 360 px phone', async () => {
  const lena = await signIn('lena@kanal.example');
  // Her invitation to another campaign, as she sees it signed in ("Join as …").
  const maya = await signIn('maya@northwind.example');
  const other = (await api(server, maya, 'POST', '/api/v1/campaigns', { name: 'Autumn Ridge' })).json.id;
  const { invitation } = (await api(server, maya, 'POST', `/api/v1/campaigns/${other}/invitations`, { kind: 'partner' })).json;
  const names = await checkPages('agency', lena, async (page) => [...await campaignPages(page), ['invitation', invitation.path]]);
  assert.ok(names.includes('invitation'));
});

test('a creator: every portal page fits a 360 px phone', async () => {
  await checkPages('creator', await signIn('priya@creators.example'), async (page) => {
    await page.goto(`${server.base}/portal`);
    const href = await page.locator('a[href^="/portal/campaigns/"]').first().getAttribute('href');
    return [['home', '/'], ['portal', '/portal'], ['portal-campaign', href], ['portal-charter', `${href}/charter`]];
  });
});

test('signed out: sign-in, sign-up, the three kinds of invitation and the offline page fit a 360 px phone', async () => {
  const maya = await signIn('maya@northwind.example');
  // The demo campaign (the first made).
  const id = Math.min(...(await api(server, maya, 'GET', '/api/v1/campaigns')).json.map((c) => c.id));
  const partner = (await api(server, maya, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'partner' })).json.invitation;
  const newcomer = (await api(server, maya, 'POST', `/api/v1/campaigns/${id}/creators`, {
    name: 'Noor Haddad', platform: 'tiktok', handle: 'noor.walks', lane: 'ugc',
  })).json;
  const creator = (await api(server, maya, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'creator', creator_id: newcomer.id })).json.invitation;
  const colleague = (await api(server, maya, 'POST', '/api/v1/org/invitations')).json;
  for (const inv of [partner, creator, colleague.invitation]) assert.ok(inv.path, JSON.stringify(inv));
  await checkPages('signed-out', null, async () => [
    ['signin', '/signin'], ['signup', '/signup'], ['partner-invitation', partner.path],
    ['creator-invitation', creator.path], ['colleague-invitation', colleague.invitation.path], ['offline', '/offline.html'],
  ]);
});
