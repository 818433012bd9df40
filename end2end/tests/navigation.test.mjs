// Real navigation (issue 21): adding and importing creators as toolbar actions opening a side sheet; the activity
// trail in a side panel toggled from the tab bar, live; the charter's sticky section index and a sign-off panel
// that lists what is missing first; a card's second line that never cuts the handle. At 1440 and 360 px, by
// keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor, openBoard, card } from './harness.mjs';

let server, browser, brand, agency, id;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 360, height: 740 };

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  agency = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  id = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  // Tiers with a long name: the widest tag a card can carry.
  const view = (await api(server, brand, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const version = view.sections.find((s) => s.section === 'tiers').version;
  await api(server, brand, 'PUT', `/api/v1/campaigns/${id}/charter/sections/tiers`, { version, body: { tiers: [
    { name: 'Established outdoor storytellers', min_followers: 0, max_followers: null, min_engagement_rate: 50, basis: 'followers' },
  ] } });
  for (const [name, handle] of [['Ava Chen', 'ava.outdoors'], ['Marco Bianchi', 'marco.trails.and.summits']]) {
    await api(server, brand, 'POST', `/api/v1/campaigns/${id}/creators`, {
      name, platform: 'instagram', handle, followers: 48000, avg_likes: 400, lane: 'influencer',
    });
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Nothing wider than the screen, no visible text under 12 px inside `root`. */
async function fits(page, root = 'body') {
  return page.evaluate((root) => {
    const found = [];
    if (document.documentElement.scrollWidth > window.innerWidth) found.push(`page ${document.documentElement.scrollWidth} px wide`);
    for (const e of document.querySelector(root).querySelectorAll('*')) {
      if (!e.checkVisibility() || ![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      const size = parseFloat(getComputedStyle(e).fontSize);
      if (size < 12) found.push(`"${e.textContent.trim().slice(0, 30)}" ${size} px`);
    }
    return found;
  }, root);
}

const focusInside = (page, selector) => page.evaluate((s) => !!document.activeElement?.closest(s), selector);
const focused = (page) => page.evaluate(() => document.activeElement?.dataset.testid || document.activeElement?.textContent.trim());

for (const viewport of [DESKTOP, PHONE]) {
  test(`add and import open from the board's toolbar as a side sheet, by keyboard (${viewport.width} px)`, async () => {
    const page = await (await contextFor(browser, server, agency, viewport)).newPage();
    await openBoard(page, server, id);
    const sheet = page.getByRole('dialog', { name: 'Add a creator to the pool' });
    assert.equal(await sheet.isVisible(), false, 'closed until asked for');

    // Keyboard: Enter on the toolbar button opens it with the focus inside; Escape closes it and gives the focus back.
    await page.getByTestId('open-add').focus();
    await page.keyboard.press('Enter');
    await sheet.waitFor();
    assert.equal(await sheet.evaluate((d) => d.matches(':modal')), true, 'a modal dialog');
    assert.ok(await focusInside(page, '#add-creator-sheet'), 'the focus is in the sheet');
    // The form's code loads with the sheet the first time (a lazy part): then its first field has the focus.
    await page.waitForFunction(() => document.activeElement?.name === 'form[name]', null, { timeout: 10000 });
    const box = await sheet.boundingBox();
    if (viewport === PHONE) {
      assert.ok(box.x <= 0.5 && box.width >= 359.5, `full width on a phone: ${JSON.stringify(box)}`);
      const add = await sheet.getByRole('button', { name: 'Add to the pool' }).boundingBox();
      assert.ok(add.height >= 44, `the primary action is ${add.height} px high`);
    } else {
      assert.ok(box.x + box.width >= 1439.5 && box.width < 720, `a sheet at the right edge: ${JSON.stringify(box)}`);
    }
    const close = await sheet.getByRole('button', { name: 'Close' }).boundingBox();
    assert.ok(close.height >= 24 && close.width >= 24, `close button ${JSON.stringify(close)}`);
    assert.deepEqual(await fits(page, '#add-creator-sheet'), []);
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden' });
    assert.equal(await focused(page), 'open-add', 'the focus is back on the button');

    // What was typed stays while the sheet is closed and opened again (the form is rendered once, not at every
    // opening: a new one replaced what was typed, now and then even while it was being typed).
    const frames = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.getByTestId('open-add').click();
    await sheet.getByLabel('Name').fill(`New ${viewport.width}`);
    await sheet.getByRole('button', { name: 'Close' }).click();
    await sheet.waitFor({ state: 'hidden' });
    await page.getByTestId('open-add').click();
    await sheet.waitFor();
    await frames();
    assert.equal(await sheet.getByLabel('Name').inputValue(), `New ${viewport.width}`, 'kept while closed');

    // Adding: the form empties, a confirmation shows, and "Done" shows the board with the new card.
    const handle = `new.${viewport.width}`;
    await sheet.getByLabel('Handle').fill(handle);
    // What the page did meanwhile, for a failure to tell.
    const seen = [];
    page.on('console', (m) => seen.push(`console ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
    page.on('request', (r) => seen.push(`request ${r.method()} ${new URL(r.url()).pathname}`));
    page.on('response', (r) => seen.push(`response ${r.status()} ${new URL(r.url()).pathname}`));
    page.on('framenavigated', (f) => f === page.mainFrame() && seen.push(`navigated to ${f.url()}`));
    await sheet.getByRole('button', { name: 'Add to the pool' }).click();
    // The confirmation, or a refusal whose words the failure shows.
    try {
      await sheet.locator('[data-testid="added"], [role="alert"]').first().waitFor({ timeout: 10000 });
    } catch (e) {
      const open = await page.evaluate(() => document.getElementById('add-creator-sheet')?.open);
      throw new Error(`no confirmation (sheet open: ${open}, at ${page.url()}):\n${seen.join('\n')}`, { cause: e });
    }
    assert.equal(await sheet.getByTestId('added').count(), 1, await sheet.locator('[role="alert"]').allTextContents());
    assert.equal(await sheet.getByLabel('Name').inputValue(), '');
    await sheet.getByRole('button', { name: 'Done: show the board' }).click();
    await sheet.waitFor({ state: 'hidden' });
    await card(page, 'prospect', handle).waitFor();

    // The import sheet: opened from its own button, with the file field, the template and the export inside.
    const importSheet = page.getByRole('dialog', { name: 'Import creators from a CSV file' });
    await page.getByTestId('open-import').click();
    await importSheet.waitFor();
    assert.ok(await focusInside(page, '#import-sheet'));
    await importSheet.getByRole('link', { name: 'Download a template' }).waitFor();
    assert.equal(await importSheet.getByTestId('import-file').count(), 1);
    assert.deepEqual(await fits(page, '#import-sheet'), []);
    await importSheet.getByRole('button', { name: 'Close' }).click();
    await importSheet.waitFor({ state: 'hidden' });
    assert.equal(await focused(page), 'open-import');
    assert.deepEqual(await fits(page), []);
    await page.context().close();
  });
}

test('the activity trail is a side panel toggled from the tab bar, live on every campaign page', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await (await contextFor(browser, server, brand, viewport)).newPage();
    for (const path of ['', '/charter']) {
      await page.goto(`${server.base}/campaigns/${id}${path}`);
      await page.getByTestId('campaign-chrome').and(page.locator('[data-hydrated="yes"]')).waitFor({ timeout: 30000 });
      const toggle = page.getByTestId('activity-toggle');
      const panel = page.getByRole('complementary', { name: 'Activity' });
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      assert.equal(await panel.isVisible(), false);
      await toggle.focus();
      await page.keyboard.press('Enter');
      await panel.waitFor();
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      // What happened before it opened…
      await panel.getByText('Maya Lind (Northwind Outdoor) added Ava Chen to the pool').waitFor({ timeout: 10000 });
      // …and what happens while it is open, with its time and zone.
      const name = `Live ${viewport.width}${path.replace('/', '-')}`;
      await api(server, agency, 'POST', `/api/v1/campaigns/${id}/creators`, { name, platform: 'tiktok', handle: name.replace(/\W/g, '') });
      const line = panel.locator('li').filter({ hasText: `Jordan Reyes (Brightline Social) added ${name} to the pool` });
      await line.waitFor({ timeout: 10000 });
      assert.match(await line.locator('time').innerText(), /^\d{1,2} [A-Z][a-z]{2} \d\d:\d\d [A-Z]{2,5}([+-]\d+)?$/);
      const box = await panel.boundingBox();
      if (viewport === PHONE) assert.ok(box.x <= 0.5 && box.width >= 359.5, `full width: ${JSON.stringify(box)}`);
      else {
        assert.ok(box.x + box.width >= 1439.5 && box.width <= 400, `beside the page: ${JSON.stringify(box)}`);
        // Beside, not over: the page's own content ends where the panel begins.
        const main = await page.locator('main').evaluate((m) => m.getBoundingClientRect().right);
        assert.ok(main <= box.x + 1, `main ends at ${main}, the panel starts at ${box.x}`);
      }
      assert.deepEqual(await fits(page), []);
      // Escape closes it, the focus back on the toggle.
      await panel.getByRole('button', { name: 'Close the activity panel' }).focus();
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden' });
      assert.equal(await focused(page), 'activity-toggle');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    }
    await page.context().close();
  }
});

test('a card\'s second line wraps before it cuts: the handle stays whole beside a wide tier tag', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await (await contextFor(browser, server, brand, viewport)).newPage();
    await openBoard(page, server, id);
    const marco = card(page, 'prospect', 'marco.trails.and.summits');
    await marco.waitFor();
    assert.match(await marco.getByTestId('tier').textContent(), /Established outdoor storytellers/);
    const cut = await page.locator('section.column.current li.card, [data-testid="board"] li.card').evaluateAll((cards) => cards
      .filter((c) => c.checkVisibility())
      .flatMap((c) => {
        const r = c.getBoundingClientRect();
        const handle = c.querySelector('.card-meta .handle');
        const tag = c.querySelector('.card-meta .pill.tier');
        const out = [];
        if (handle.scrollWidth > handle.clientWidth + 1) out.push(`${c.dataset.handle}: handle cut (${handle.clientWidth}/${handle.scrollWidth})`);
        for (const el of [handle, tag]) {
          const b = el.getBoundingClientRect();
          if (b.left < r.left - 0.5 || b.right > r.right + 0.5) out.push(`${c.dataset.handle}: ${el.className} outside its card`);
        }
        return out;
      }));
    assert.deepEqual(cut, [], `at ${viewport.width} px`);
    await page.context().close();
  }
});

test('the charter: a sticky section index with each section\'s state, and a sign-off panel listing what is missing first', async () => {
  const page = await (await contextFor(browser, server, brand, DESKTOP)).newPage();
  await page.goto(`${server.base}/campaigns/${id}/charter`);
  await page.locator('.charter-page[data-live="live"]').waitFor({ timeout: 30000 });
  const index = page.getByRole('navigation', { name: 'Charter sections' });
  const links = index.getByRole('link');
  assert.equal(await links.count(), 11);
  // States from the launch checklist: the audience is still empty, the tiers are filled in.
  assert.equal(await index.locator('li[data-section="audience"]').getAttribute('data-state'), 'missing');
  assert.match(await index.locator('li[data-section="audience"]').innerText(), /Audience\s+to do/);
  assert.equal(await index.locator('li[data-section="tiers"]').getAttribute('data-state'), 'done');

  // What is missing comes first in the sign-off panel: the proposal, then the sections, each a link.
  const missing = page.getByTestId('sign-off').getByTestId('missing');
  const items = await missing.locator('li').allInnerTexts();
  assert.equal(items[0], 'Propose the charter for sign-off');
  assert.ok(items.includes('Audience: one segment and its market'), items.join(' | '));
  assert.equal(await missing.getByRole('link', { name: 'Audience: one segment and its market' }).getAttribute('href'), '#audience');

  // Sticky: after scrolling to the charter's end (the campaign's settings row follows it), the index and the
  // sign-off panel are still on screen.
  await page.evaluate(() => {
    const end = document.querySelector('.charter-page').getBoundingClientRect().bottom + window.scrollY;
    window.scrollTo(0, end - window.innerHeight);
  });
  await page.waitForTimeout(200);
  for (const el of [index, page.getByTestId('sign-off')]) {
    const b = await el.boundingBox();
    assert.ok(b && b.y >= 56 && b.y < 900, `still in view: ${JSON.stringify(b)}`);
  }
  // A link of the index brings its section into view, below the sticky tabs.
  await index.getByRole('link', { name: /Success definition/ }).click();
  await page.waitForURL(/#success$/);
  await page.waitForTimeout(300);
  const success = await page.locator('#success').boundingBox();
  assert.ok(success.y >= 100 && success.y < 450, `the section is in view: ${JSON.stringify(success)}`);

  // Proposed: the partners who have not signed come first, by name.
  await api(server, brand, 'POST', `/api/v1/campaigns/${id}/charter/propose`);
  await missing.getByText('Signature of Brightline Social on version 1').waitFor({ timeout: 10000 });
  const after = await missing.locator('li').allInnerTexts();
  assert.ok(after.indexOf('Signature of Brightline Social on version 1') < after.indexOf('Audience: one segment and its market'), after.join(' | '));
  assert.deepEqual(await fits(page), []);
  await page.context().close();
});

test('the charter on a 360 px phone: the index is a compact bar that unfolds, the sign-off panel comes first', async () => {
  const page = await (await contextFor(browser, server, brand, PHONE)).newPage();
  await page.goto(`${server.base}/campaigns/${id}/charter`);
  await page.locator('.charter-page[data-live="live"]').waitFor({ timeout: 30000 });
  const index = page.getByRole('navigation', { name: 'Charter sections' });
  const toggle = index.getByRole('button', { name: /Sections/ });
  const bar = await toggle.boundingBox();
  assert.ok(bar.height >= 44 && bar.y + bar.height <= 740.5 && bar.y > 600, `a bar at the bottom: ${JSON.stringify(bar)}`);
  assert.match(await toggle.innerText(), /\d+ to do/);
  assert.equal(await index.getByRole('link').first().isVisible(), false, 'folded');
  // The sign-off panel (what is missing) comes before the sections.
  const signoff = await page.getByTestId('sign-off').boundingBox();
  const first = await page.locator('.charter-section').first().boundingBox();
  assert.ok(signoff.y < first.y, 'the sign-off panel first');
  assert.deepEqual(await fits(page), []);

  // Unfolded by keyboard, every section a 44 px link; choosing one folds the bar and shows the section.
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const link = index.getByRole('link', { name: /UGC strategy lead/ });
  await link.waitFor();
  assert.ok((await link.boundingBox()).height >= 44);
  assert.deepEqual(await fits(page), []);
  await link.click();
  await page.waitForURL(/#rotation$/);
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await page.waitForTimeout(300);
  const rotation = await page.locator('#rotation').boundingBox();
  assert.ok(rotation.y >= 0 && rotation.y < 600, `the section is in view: ${JSON.stringify(rotation)}`);
  await page.context().close();
});
