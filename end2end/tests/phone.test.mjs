// Every page, for every role, on a 360 px phone: nothing wider than the screen, no text under 12 px, tap targets
// of at least 24 px (44 px for primary actions). Runs on the demo campaign (`--demo`), signed in as the brand's
// manager, an agency partner and a creator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { startServer, startBrowser, api, contextFor } from './harness.mjs';

const PHONE = { width: 360, height: 800 };
const SHOTS = process.env.CHORUS_SCREENSHOTS || '../target/screenshots';
let server, browser;

before(async () => {
  server = await startServer({ args: ['--demo'] });
  browser = await startBrowser();
  mkdirSync(SHOTS, { recursive: true });
});
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

async function checkPages(who, email, paths) {
  const ctx = await contextFor(browser, server, await signIn(email), PHONE);
  ctx.setDefaultTimeout(30000);
  const page = await ctx.newPage();
  const problems = [];
  for (const path of await paths(page)) {
    await page.goto(`${server.base}${path}`);
    await page.waitForLoadState('networkidle');
    const name = `${who}${path.replace(/\/[0-9a-f-]{36}/g, '').replaceAll('/', '-') || '-home'}`;
    await page.screenshot({ path: `${SHOTS}/${name}-360.png`, fullPage: true });
    for (const f of await phoneFindings(page)) problems.push(`${path}: ${f}`);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.screenshot({ path: `${SHOTS}/${name}-1440.png` });
    await page.setViewportSize(PHONE);
  }
  await ctx.close();
  assert.deepEqual(problems, [], `${who} on a 360 px phone:\n${problems.join('\n')}`);
}

async function campaignPaths(page) {
  await page.goto(`${server.base}/`);
  const href = await page.locator('a[href^="/campaigns/"]').first().getAttribute('href');
  const id = href.match(/^\/campaigns\/(\d+)/)[1];
  return ['/', `/campaigns/${id}`, `/campaigns/${id}/charter`, `/campaigns/${id}/content`,
    `/campaigns/${id}/performance`, '/settings/organization', '/settings/tokens'];
}

test('the brand manager: every page fits a 360 px phone', async () => {
  await checkPages('brand', 'maya@northwind.example', campaignPaths);
});

test('an agency partner: every page fits a 360 px phone', async () => {
  await checkPages('agency', 'lena@kanal.example', campaignPaths);
});

test('a creator: every portal page fits a 360 px phone', async () => {
  await checkPages('creator', 'priya@creators.example', async (page) => {
    await page.goto(`${server.base}/portal`);
    const href = await page.locator('a[href^="/portal/campaigns/"]').first().getAttribute('href');
    return ['/portal', href, `${href}/charter`];
  });
});

test('signed out: sign-in and sign-up fit a 360 px phone', async () => {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  const problems = [];
  for (const path of ['/signin', '/signup']) {
    await page.goto(`${server.base}${path}`);
    await page.screenshot({ path: `${SHOTS}/signed-out${path.replace('/', '-')}-360.png`, fullPage: true });
    for (const f of await phoneFindings(page)) problems.push(`${path}: ${f}`);
  }
  await ctx.close();
  assert.deepEqual(problems, [], problems.join('\n'));
});
