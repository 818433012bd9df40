// The visual system on the board: tags that are not buttons, compact cards (many above the fold), no text under
// 12 px, AA contrast, partner colours that are not the overdue red, a connection chip that moves nothing, focus
// kept after a keyboard move, a confirmed add, and the phone board (one stage at a time, nothing wider than 360 px).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor, openBoard, card } from './harness.mjs';

let server, browser, brand, agency, campaignId;
const PROSPECTS = 44; // more than a column's first 40, so "Show 4 more" appears

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  agency = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  campaignId = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${campaignId}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  const add = (who, body) => api(server, who, 'POST', `/api/v1/campaigns/${campaignId}/creators`, { platform: 'instagram', ...body });
  for (let i = 0; i < PROSPECTS; i++) {
    await add(i % 2 ? agency : brand, {
      name: `Creator ${String(i).padStart(2, '0')}`, handle: `creator${i}`, followers: 12000 + i * 1000,
      avg_likes: 400, avg_comments: 20, lane: i % 3 ? 'influencer' : 'ugc',
      next_action: 'Send the brief', next_action_due: i % 4 ? '2031-06-01' : '2020-01-15',
    });
  }
  // 1,400 + 94 = 1,494 engagements; and one with followers but no engagement figures at all.
  await add(brand, { name: 'Ava Chen', handle: 'ava.outdoors', followers: 48000, avg_likes: 1400, avg_comments: 94, stage: 'contacted' });
  await add(agency, { name: 'Noor Haddad', handle: 'noor.walks', followers: 20000, stage: 'contacted' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function luminance([r, g, b]) {
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function hue([r, g, b]) {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d === 0) return 180; // grey: no hue, far from red
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}
const rgb = (s) => s.match(/[\d.]+/g).slice(0, 3).map(Number);
function contrast(fg, bg) {
  const [a, b] = [luminance(rgb(fg)), luminance(rgb(bg))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
/** The text colour of `el` and the first opaque background behind it. */
async function colours(locator) {
  return locator.evaluate((el) => {
    const fg = getComputedStyle(el).color;
    let bg = 'rgb(255, 255, 255)';
    for (let n = el; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) { bg = c; break; }
    }
    return { fg, bg };
  });
}

test('lane tags are small pills, not buttons, and the content page\'s lanes are not styled by them', async () => {
  const page = await (await contextFor(browser, server, brand, { width: 1440, height: 900 })).newPage();
  await openBoard(page, server, campaignId);
  const tag = card(page, 'contacted', 'ava.outdoors').getByTestId('lane-tag');
  const box = await tag.boundingBox();
  const style = await tag.evaluate((el) => {
    const s = getComputedStyle(el);
    return { display: s.display, transform: s.textTransform, size: parseFloat(s.fontSize), border: s.borderTopWidth, shadow: s.boxShadow, cursor: s.cursor, cls: el.className };
  });
  assert.ok(box.height < 28, `the lane tag is ${box.height}px high`);
  assert.ok(box.width < 120, `the lane tag is ${box.width}px wide`);
  assert.match(style.display, /^(inline-)?flex$/, 'a pill (blockified as a flex item)');
  assert.notEqual(style.transform, 'uppercase');
  assert.ok(style.size >= 12, `tag text ${style.size}px`);
  assert.equal(style.border, '0px', 'no button border');
  assert.equal(style.shadow, 'none', 'no button shadow');
  assert.notEqual(style.cursor, 'pointer');
  assert.doesNotMatch(style.cls, /\blane\b/, 'the card tag does not use the content page\'s .lane class');
  // Lane text contrast (AA).
  const c = await colours(tag);
  assert.ok(contrast(c.fg, c.bg) >= 4.5, `lane tag contrast ${contrast(c.fg, c.bg).toFixed(2)} (${c.fg} on ${c.bg})`);

  await page.goto(`${server.base}/campaigns/${campaignId}/content`);
  const lane = page.locator('section.content-lane').first();
  await lane.waitFor();
  const title = await lane.locator('h2').first().evaluate((el) => {
    const s = getComputedStyle(el);
    return { transform: s.textTransform, size: parseFloat(s.fontSize) };
  });
  const panel = await lane.evaluate((el) => getComputedStyle(el).textTransform);
  assert.notEqual(title.transform, 'uppercase', 'the lane title keeps its case');
  assert.notEqual(panel, 'uppercase', 'the lane panel keeps its case (captions are reviewed as written)');
  assert.ok(title.size >= 12, `lane title ${title.size}px`);
  await page.context().close();
});

test('compact cards: many above the fold at 1440 px, separators, due dates readable, partner colours not red', async (t) => {
  const page = await (await contextFor(browser, server, brand, { width: 1440, height: 900 })).newPage();
  await openBoard(page, server, campaignId);
  const visible = await page.locator('section.column[data-stage="prospect"] li.card').evaluateAll((els) =>
    els.filter((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }).length);
  t.diagnostic(`cards fully visible in the first column at 1440x900: ${visible}`);
  assert.ok(visible >= 6, `only ${visible} cards above the fold`);

  const ava = card(page, 'contacted', 'ava.outdoors');
  assert.match((await ava.locator(".card-meta").textContent()).replace(/\s+/g, " "), /@ava\.outdoors · 48,000/);
  // Due days: readable (AA) both when due and when overdue; an overdue one says so in words.
  const overdue = page.locator('li.card[data-handle="creator40"]').getByTestId('card-due');
  assert.match(await overdue.textContent(), /Overdue · Jan 15/);
  for (const due of [overdue, page.locator('li.card[data-handle="creator41"]').getByTestId('card-due')]) {
    const c = await colours(due);
    assert.ok(contrast(c.fg, c.bg) >= 4.5, `due date contrast ${contrast(c.fg, c.bg).toFixed(2)} (${c.fg} on ${c.bg})`);
    assert.ok(parseFloat(await due.evaluate((el) => getComputedStyle(el).fontSize)) >= 12);
  }
  // Every partner's colour is far from the overdue red.
  const borders = await page.locator('li.card').evaluateAll((els) => [...new Set(els.map((el) => getComputedStyle(el).borderLeftColor))]);
  assert.ok(borders.length >= 2, `two partners, two colours: ${borders}`);
  const danger = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--danger').trim());
  assert.ok(danger, 'the stylesheet names its danger (overdue) red');
  for (const b of borders) {
    // Red and pink hues (320°–20°) are kept for overdue and danger.
    const h = hue(rgb(b));
    assert.ok(h > 20 && h < 320, `partner colour ${b} (hue ${h.toFixed(0)}°) looks like the overdue red`);
  }
  // No text under 12 px and nothing in uppercase on the board.
  const bad = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((el) => el.checkVisibility?.() && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
    .map((el) => ({ el: el.tagName + '.' + el.className, s: getComputedStyle(el) }))
    .filter(({ s }) => parseFloat(s.fontSize) < 12 || s.textTransform === 'uppercase')
    .map(({ el, s }) => `${el} ${s.fontSize} ${s.textTransform}`));
  assert.deepEqual(bad, []);
  await page.screenshot({ path: 'test-results/board-1440.png' }).catch(() => {});
  await page.context().close();
});

test('the connection chip says "Connected", looks neutral and moves nothing as the page comes alive', async () => {
  const page = await (await contextFor(browser, server, agency, { width: 1440, height: 900 })).newPage();
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts.push(e.value);
    }).observe({ type: 'layout-shift', buffered: true });
    document.addEventListener('DOMContentLoaded', () => {
      window.__boardTop = document.querySelector('[data-testid="board"]')?.getBoundingClientRect().top;
      window.__chip = document.querySelector('[data-testid="connection"]')?.getBoundingClientRect().toJSON();
    });
  });
  await openBoard(page, server, campaignId);
  await page.waitForTimeout(500);
  const chip = page.getByTestId('connection');
  assert.equal((await chip.textContent()).trim(), 'Connected');
  const after = await page.evaluate(() => ({
    top: document.querySelector('[data-testid="board"]').getBoundingClientRect().top,
    chip: document.querySelector('[data-testid="connection"]').getBoundingClientRect().toJSON(),
    before: window.__boardTop, chipBefore: window.__chip,
    cls: window.__shifts.reduce((a, b) => a + b, 0),
  }));
  assert.equal(after.top, after.before, 'the board did not move at hydration');
  assert.equal(after.chip.x, after.chipBefore.x, 'the chip did not move');
  assert.equal(after.chip.width, after.chipBefore.width, 'nor change its width');
  assert.ok(after.cls < 0.02, `cumulative layout shift ${after.cls}`);
  const look = await chip.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el.querySelector('.dot')).backgroundColor]);
  for (const c of look) {
    const [r, g, b] = rgb(c);
    assert.ok(!(g > r + 40 && g > b + 40), `neutral, not a green status: ${c}`);
  }
  await page.context().close();
});

test('two arrow presses move a focused card two stages, the focus staying on it', async () => {
  const page = await (await contextFor(browser, server, brand, { width: 1440, height: 900 })).newPage();
  await openBoard(page, server, campaignId);
  await card(page, 'contacted', 'ava.outdoors').focus();
  await page.keyboard.press('ArrowRight');
  await card(page, 'negotiating', 'ava.outdoors').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.handle), 'ava.outdoors', 'focus followed the card');
  await page.keyboard.press('ArrowRight');
  await card(page, 'contracted', 'ava.outdoors').waitFor();
  let stage;
  for (let i = 0; i < 50 && stage !== 'contracted'; i++) {
    const board = (await api(server, brand, 'GET', `/api/v1/campaigns/${campaignId}/board`)).json;
    stage = board.cards.find((c) => c.handle === 'ava.outdoors').stage;
    if (stage !== 'contracted') await page.waitForTimeout(100);
  }
  assert.equal(stage, 'contracted', 'the server has it two stages along');
  await page.waitForTimeout(300); // the confirmation redraws the card: focus stays
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.handle), 'ava.outdoors');
  await page.keyboard.press('ArrowLeft');
  await card(page, 'negotiating', 'ava.outdoors').waitFor();
  await page.context().close();
});

test('a creator with followers but no engagement figures shows "—", not a 0.00 % flag; the drawer prints 1,494', async () => {
  const page = await (await contextFor(browser, server, brand, { width: 1440, height: 900 })).newPage();
  await openBoard(page, server, campaignId);
  const noor = card(page, 'contacted', 'noor.walks');
  const tier = noor.getByTestId('tier');
  assert.equal((await tier.textContent()).trim(), 'micro');
  assert.doesNotMatch(await tier.getAttribute('title'), /0\.00\s*%/);
  assert.match(await tier.getAttribute('title'), /ER —/);
  await noor.getByRole('button', { name: 'Noor Haddad' }).click();
  const detail = page.getByTestId('card-detail');
  const row = detail.getByTestId('handles').locator('tbody tr').first();
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.deepEqual(cells.slice(1).map((c) => c.trim()), ['20,000', '—', '0', '—', '—']);
  assert.doesNotMatch(await detail.getByTestId('tier-explanation').textContent(), /below|⚠/);
  await page.keyboard.press('Escape');

  // Ava: 1,400 likes + 94 comments; followers with separators; the partner's name whole.
  await card(page, 'negotiating', 'ava.outdoors').or(card(page, 'contracted', 'ava.outdoors')).or(card(page, 'contacted', 'ava.outdoors'))
    .getByRole('button', { name: 'Ava Chen' }).click();
  const ava = detail.getByTestId('handles').locator('tbody tr').first();
  await ava.waitFor();
  const avaCells = await ava.locator('td').allTextContents();
  assert.equal(avaCells[1].trim(), '48,000');
  assert.equal(avaCells[3].trim(), '1,494');
  const cut = await detail.evaluate((el) => [...el.querySelectorAll('.chip, select')]
    .filter((n) => n.checkVisibility())
    .filter((n) => n.tagName === 'SELECT'
      ? n.clientWidth < n.options[n.selectedIndex]?.text.length * 6.5 + 24
      : n.scrollWidth > n.clientWidth + 1)
    .map((n) => n.outerHTML.slice(0, 80)));
  assert.deepEqual(cut, [], 'no partner name is cut');
  await page.context().close();
});

test('after "Add a creator": the form is empty again, a confirmation shows, the new card is in view and highlighted', async () => {
  const page = await (await contextFor(browser, server, agency, { width: 1440, height: 900 })).newPage();
  await openBoard(page, server, campaignId);
  await page.getByRole('button', { name: 'Add a creator' }).click();
  const form = page.getByTestId('add-creator');
  await form.getByLabel('Name').fill('Lucía Gómez');
  await form.getByLabel('Handle').fill('lucia.camps');
  await form.getByLabel('Followers').fill('31,500');
  await form.getByRole('button', { name: 'Add to the pool' }).click();
  await form.getByTestId('added').waitFor({ timeout: 10000 });
  assert.match(await form.getByTestId('added').textContent(), /Added Lucía Gómez to Prospect/);
  assert.equal(await form.getByLabel('Name').inputValue(), '');
  assert.equal(await form.getByLabel('Handle').inputValue(), '');
  assert.equal(await form.getByLabel('Followers').inputValue(), '');
  const lucia = card(page, 'prospect', 'lucia.camps');
  await lucia.waitFor();
  assert.match(await lucia.getAttribute('class'), /\bflash\b/, 'highlighted');
  // Scrolled into view (smoothly): wait until it is inside the viewport.
  await page.waitForFunction(() => {
    const el = document.querySelector('li.card[data-handle="lucia.camps"]');
    const r = el?.getBoundingClientRect();
    return r && r.top >= 0 && r.bottom <= window.innerHeight;
  }, null, { timeout: 5000 });
  await page.context().close();
});

test('a 360 px phone: one stage at a time with a switcher, nothing wider than the screen, no text under 12 px', async () => {
  const ctx = await contextFor(browser, server, agency, { width: 360, height: 800 });
  const page = await ctx.newPage();
  await openBoard(page, server, campaignId);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width}px wide`);
  const shown = () => page.locator('[data-testid="board"] > section.column').evaluateAll((els) =>
    els.filter((el) => el.checkVisibility()).map((el) => el.dataset.stage));
  assert.deepEqual(await shown(), ['prospect']);
  const switcher = page.getByTestId('stage-switcher');
  await switcher.getByRole('tab', { name: /Contacted/ }).click();
  assert.deepEqual(await shown(), ['contacted']);
  assert.equal(await switcher.getByRole('tab', { name: /Contacted/ }).getAttribute('aria-selected'), 'true');
  const tabHeight = (await switcher.getByRole('tab', { name: /Contacted/ }).boundingBox()).height;
  assert.ok(tabHeight >= 44, `stage tabs are ${tabHeight}px high`);
  await switcher.getByRole('tab', { name: /Prospect/ }).click();
  assert.deepEqual(await shown(), ['prospect']);

  // No visible text under 12 px.
  const small = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((el) => el.checkVisibility() && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
    .filter((el) => parseFloat(getComputedStyle(el).fontSize) < 12)
    .map((el) => `${el.tagName}.${el.className} ${getComputedStyle(el).fontSize}`));
  assert.deepEqual(small, []);
  // Tap targets: card names at least 24 px, "Show N more" at least 44 px.
  const names = await page.locator('section.column.current .card-open').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height));
  assert.ok(names.length > 0 && Math.min(...names) >= 24, `card names ${Math.min(...names)}px high`);
  const more = page.locator('section.column.current .show-all');
  assert.match(await more.textContent(), /Show \d+ more/);
  assert.ok((await more.boundingBox()).height >= 44);
  await page.screenshot({ path: 'test-results/board-phone-360.png' }).catch(() => {});
  await ctx.close();
});

test('a swipe on a phone shows the next stage', async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 800 }, hasTouch: true, isMobile: true });
  const [name, value] = agency.split('=');
  await ctx.addCookies([{ name, value, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  const page = await ctx.newPage();
  await openBoard(page, server, campaignId);
  const board = page.getByTestId('board');
  const box = await board.boundingBox();
  const y = box.y + 60;
  const ev = (type, x) => board.dispatchEvent(type, { pointerType: 'touch', pointerId: 3, isPrimary: true, clientX: x, clientY: y, bubbles: true });
  await ev('pointerdown', 300);
  await ev('pointerup', 120);
  await page.locator('[data-testid="board"] > section.column.current[data-stage="contacted"]').waitFor();
  await ev('pointerdown', 60);
  await ev('pointerup', 300);
  await page.locator('[data-testid="board"] > section.column.current[data-stage="prospect"]').waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 360);
  await ctx.close();
});
