// The creator portal on a phone: installable (manifest, icons, service worker), the last-seen pages open
// offline, private answers are never kept, and one account's pages never reach another.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, api, signUp, recordWasm } from './harness.mjs';

let server, context, page, profile, id, otherId, ava, ben;

const PHONE = {
  viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, timezoneId: 'America/Los_Angeles',
};

/** Creates a creator account through a creator invitation; returns the session cookie. */
async function creatorAccount(brand, campaignId, name, handle, email) {
  const card = (await api(server, brand, 'POST', `/api/v1/campaigns/${campaignId}/creators`, { name, platform: 'instagram', handle, lane: 'ugc' })).json;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${campaignId}/invitations`, { kind: 'creator', creator_id: card.id })).json;
  const r = await fetch(`${server.base}/auth/creator-signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: inv.token, name, email, password: 'creator-pass' }),
  });
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  assert.ok(cookie.startsWith('chorus_session='), `no session for ${name}`);
  return cookie;
}

async function signInAs(cookie) {
  const [name, value] = cookie.split('=');
  await context.addCookies([{ name, value, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
}

/** Every cache of the page's origin with the paths (and queries) it holds. */
async function cacheContents() {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      const keys = await (await caches.open(name)).keys();
      out[name] = keys.map((r) => { const u = new URL(r.url); return u.pathname + u.search; });
    }
    return out;
  });
}

async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const pageCaches = (contents) => Object.keys(contents).filter((n) => n.startsWith('chorus-pages-'));

before(async () => {
  server = await startServer();
  const brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind');
  id = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const view = (await api(server, brand, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const version = view.sections.find((s) => s.section === 'creative_brief').version;
  await api(server, brand, 'PUT', `/api/v1/campaigns/${id}/charter/sections/creative_brief`, {
    body: { markdown: '# The story\nReal trails, real weather.' }, version,
  });
  ava = await creatorAccount(brand, id, 'Ava Chen', 'ava', 'ava@creator.example');
  otherId = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Harbor Summer Drop' })).json.id;
  ben = await creatorAccount(brand, otherId, 'Ben Ortiz', 'ben', 'ben@creator.example');

  // A persistent profile: an installed app needs one (a fresh browser context counts as incognito, where
  // Chromium never offers to install).
  profile = mkdtempSync(join(tmpdir(), 'chorus-pwa-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
    ],
    ...PHONE,
  });
  await signInAs(ava);
  page = context.pages()[0] || (await context.newPage());
});

after(async () => {
  await context?.close();
  await server?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('a creator can install the portal on a phone', async () => {
  const wasm = recordWasm(page);
  const first = await page.goto(server.base);
  await page.getByRole('heading', { name: 'Hi Ava Chen' }).waitFor();
  assert.match(first.headers()['x-chorus-account'] || '', /^[0-9a-f]{16}$/);
  assert.equal(await page.locator('link[rel="manifest"]').getAttribute('href'), '/manifest.webmanifest');
  assert.equal(await page.locator('link[rel="apple-touch-icon"]').count(), 1);
  assert.equal(await page.locator('meta[name="mobile-web-app-capable"]').getAttribute('content'), 'yes');

  const r = await fetch(`${server.base}/manifest.webmanifest`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/manifest\+json/);
  const manifest = await r.json();
  assert.equal(manifest.name, 'Chorus creator portal');
  assert.equal(manifest.short_name, 'Chorus');
  assert.equal(manifest.start_url, '/');
  assert.equal(manifest.scope, '/');
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.theme_color, '#1e293b');
  const purposes = manifest.icons.map((i) => `${i.sizes} ${i.purpose}`).sort();
  assert.deepEqual(purposes, ['192x192 any', '512x512 any', '512x512 maskable']);
  for (const icon of manifest.icons) {
    const res = await fetch(new URL(icon.src, server.base));
    assert.equal(res.status, 200, icon.src);
    assert.equal(res.headers.get('content-type'), 'image/png', icon.src);
    const png = Buffer.from(await res.arrayBuffer());
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${icon.src} is a PNG`);
    const [w, h] = icon.sizes.split('x').map(Number);
    assert.equal(png.readUInt32BE(16), w, `${icon.src} width`);
    assert.equal(png.readUInt32BE(20), h, `${icon.src} height`);
  }

  // The service worker takes over; then Chromium has nothing against installing.
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, `${server.base}/`);
  await page.reload();
  await page.getByRole('heading', { name: 'Hi Ava Chen' }).waitFor();
  assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the page is controlled');
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
  await cdp.detach();

  // The phone downloads the core, the home page and the portal, never the partner pages' code.
  await page.goto(`${server.base}/portal/campaigns/${id}`);
  await page.getByRole('heading', { name: 'Trailhead Spring Launch' }).first().waitFor();
  wasm.stop();
  const files = [...wasm.files];
  assert.ok(files.some((p) => p.startsWith('/pkg/portal.')), `the portal's code: ${files.join(', ')}`);
  assert.ok(files.every((p) => /^\/pkg\/(portal|home)\./.test(p)), `no partner pages' code: ${files.join(', ')}`);
});

test('the last-seen pages open offline; private answers never come from the device', async () => {
  const charter = `${server.base}/portal/campaigns/${id}/charter`;
  await page.goto(server.base);
  await page.getByRole('heading', { name: 'Hi Ava Chen' }).waitFor();
  await page.getByRole('link', { name: 'Read the joint strategy and comment' }).click();
  await page.getByText('Real trails, real weather.').waitFor();
  await page.locator('.portal[data-hydrated="yes"]').waitFor({ timeout: 30000 });
  await until('the brief kept on the device', async () =>
    Object.values(await cacheContents()).some((keys) => keys.includes(`/portal/campaigns/${id}/charter`)));

  await context.setOffline(true);
  try {
    await page.reload();
    await page.getByRole('heading', { name: 'Trailhead Spring Launch' }).waitFor();
    await page.getByText('Real trails, real weather.').waitFor();
    // The copy says it is one, and of when: in her own zone, with the zone.
    const marker = page.getByTestId('offline-marker');
    await marker.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="offline-marker"] time')?.dataset.shown);
    assert.match(await marker.innerText(), /^Offline — as of \d{1,2} [A-Z][a-z]{2} \d\d:\d\d P[SD]T\./);
    // The app shell came from the device too: the page comes alive without a connection.
    await page.locator('.portal[data-hydrated="yes"]').waitFor({ timeout: 30000 });
    await page.goto(server.base);
    await page.getByRole('heading', { name: 'Hi Ava Chen' }).waitFor();
    await page.getByRole('heading', { name: 'Trailhead Spring Launch' }).waitFor();

    // Private answers are not kept: offline they fail.
    const results = await page.evaluate(async () => {
      const attempt = async (url, init) => { try { const r = await fetch(url, init); return `answered ${r.status}`; } catch { return 'failed'; } };
      return [
        await attempt('/api/v1/me'),
        await attempt('/sfn/home', { method: 'POST' }),
        await attempt('/sfn/me', { method: 'POST' }),
      ];
    });
    assert.deepEqual(results, ['failed', 'failed', 'failed']);

    // A page never opened: the offline page, not a browser error.
    await page.goto(`${server.base}/portal/campaigns/${otherId}/charter`);
    await page.getByTestId('offline').getByText('You are offline').waitFor();
  } finally {
    await context.setOffline(false);
  }
  await page.goto(charter);
  await page.getByText('Real trails, real weather.').waitFor();
  // Online again: no offline marker.
  assert.equal(await page.getByTestId('offline-marker').count(), 0);
});

test('one account never sees another account\'s pages, and signing out forgets them', async () => {
  await page.goto(server.base);
  await page.getByRole('heading', { name: 'Hi Ava Chen' }).waitFor();
  let contents = await cacheContents();
  const everything = Object.values(contents).flat();
  assert.deepEqual(everything.filter((u) => /^\/(api|sfn|auth|files|ws)(\/|$)/.test(u)), [], 'no private answer is kept');
  assert.equal(pageCaches(contents).length, 1, 'pages of one account only');
  const avaCache = pageCaches(contents)[0];

  // Someone else signs in on the same phone: Ava's pages go at once.
  await signInAs(ben);
  const resp = await page.goto(server.base);
  await page.getByRole('heading', { name: 'Hi Ben Ortiz' }).waitFor();
  assert.notEqual(`chorus-pages-v1-${resp.headers()['x-chorus-account']}`, avaCache);
  contents = await until('only Ben\'s pages', async () => {
    const c = await cacheContents();
    const names = pageCaches(c);
    return names.length === 1 && names[0] !== avaCache && c[names[0]].includes('/') ? c : null;
  });
  await context.setOffline(true);
  try {
    await page.goto(`${server.base}/portal/campaigns/${id}/charter`);
    await page.getByTestId('offline').waitFor();
    assert.equal(await page.getByText('Trailhead Spring Launch').count(), 0);
    assert.equal(await page.getByText('Real trails, real weather.').count(), 0);
  } finally {
    await context.setOffline(false);
  }

  // Signing out (the top bar's button) clears the caches and the service worker.
  await page.goto(server.base);
  await page.getByRole('heading', { name: 'Hi Ben Ortiz' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
  await until('empty caches after signing out', async () => Object.keys(await cacheContents()).length === 0);
  assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
});
