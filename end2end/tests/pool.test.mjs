// The shared pool in two browsers: a CSV import by one partner appears for the other; a filtered view
// travels by URL; presence on the board and on a card; a touch drag moves a card for everyone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor, openBoard, card } from './harness.mjs';

let server, browser, brand, agency, campaignId;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  agency = await signUp(server, 'Jordan Reyes', 'jordan@brightline.example', 'Brightline Social');
  campaignId = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${campaignId}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  await api(server, brand, 'POST', `/api/v1/campaigns/${campaignId}/creators`, {
    name: 'Ava Chen', platform: 'instagram', handle: 'ava.outdoors', followers: 48000, avg_likes: 1400, avg_comments: 90, lane: 'influencer',
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const CSV = [
  'name,platform,handle,followers,avg_likes,avg_comments,lane,owner',
  'Priya Nair,tiktok,priyahikes,8900,520,40,ugc,Brightline Social',
  'Lucía Gómez,tiktok,lucia.camps,31.5K,1200,80,ugc,',
  'Tom Becker,youtube,beckerwild,640000,2100,300,influencer,Northwind Outdoor',
  'Nobody,myspace,nobody,10,,,,',
  'Ava Again,instagram,AVA.OUTDOORS,1,,,,',
].join('\n');

test('one partner imports a CSV file and the other sees the creators appear', async () => {
  const a = await (await contextFor(browser, server, agency)).newPage();
  const b = await (await contextFor(browser, server, brand)).newPage();
  await openBoard(a, server, campaignId);
  await openBoard(b, server, campaignId);

  await a.getByRole('button', { name: 'Import CSV' }).click();
  await a.getByTestId('import-file').setInputFiles({ name: 'pool.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  const preview = a.getByTestId('import-preview');
  await preview.waitFor({ timeout: 15000 });
  assert.match(await preview.textContent(), /pool\.csv: 5 rows, 3 ready to import/);
  // The bad row is named by row and column; the duplicate by the record it repeats.
  const errors = a.getByTestId('import-errors');
  assert.match(await errors.textContent(), /5\s*platform\s*Choose one of/);
  assert.match(await a.getByTestId('import-duplicates').textContent(), /Row 6: @AVA\.OUTDOORS on instagram is already in the pool as Ava Chen/);
  // Nothing is written before the decision.
  assert.equal(await card(b, 'prospect', 'priyahikes').count(), 0);

  await a.getByTestId('import-valid').click();
  await a.getByTestId('import-done').waitFor({ timeout: 15000 });
  assert.match(await a.getByTestId('import-done').textContent(), /Imported 3 creators; 2 rows skipped/);

  // Partner B sees them arrive without a reload, each with its owner and tier.
  for (const handle of ['priyahikes', 'lucia.camps', 'beckerwild']) {
    await card(b, 'prospect', handle).waitFor({ timeout: 10000 });
  }
  const priya = card(b, 'prospect', 'priyahikes');
  assert.match(await priya.textContent(), /Brightline Social/);
  // 560 / 8,900 = 6.3 % by followers: nano (1K–10K, 3 % minimum).
  assert.equal((await priya.getByTestId('tier').textContent()).trim(), 'nano');
  // 2,400 / 640,000 = 0.375 %, under macro's 1 %: flagged.
  assert.match(await card(b, 'prospect', 'beckerwild').getByTestId('tier').textContent(), /⚠/);
  await b.getByTestId('activity-toggle').click();
  await b.getByTestId('activity').getByText('Jordan Reyes (Brightline Social) imported 3 creators from pool.csv').waitFor();
  await a.context().close();
  await b.context().close();
});

test('a filtered view travels by URL', async () => {
  const a = await (await contextFor(browser, server, brand)).newPage();
  await openBoard(a, server, campaignId);
  await a.locator('form.filters select[name="platform"]').selectOption('tiktok');
  await a.locator('form.filters select[name="lane"]').selectOption('ugc');
  await a.getByRole('searchbox', { name: 'Search' }).fill('lu');
  await a.waitForURL(/platform=tiktok/);
  await a.waitForFunction(() => location.search.includes('q=lu'));
  const url = a.url();
  assert.match(url, /lane=ugc/);
  await card(a, 'prospect', 'lucia.camps').waitFor();
  assert.equal(await card(a, 'prospect', 'priyahikes').count(), 0);
  assert.match(await a.getByTestId('filter-count').textContent(), /Showing 1 of 4 creators/);

  // The other partner opens the same link and sees the same view, rendered that way from the server on.
  const b = await (await contextFor(browser, server, agency)).newPage();
  await b.goto(url);
  await b.locator('.live[data-status="live"]').waitFor({ timeout: 30000 });
  assert.equal(await b.locator('li.card').count(), 1);
  await card(b, 'prospect', 'lucia.camps').waitFor();
  assert.equal(await b.getByRole('searchbox', { name: 'Search' }).inputValue(), 'lu');
  // Clearing restores everything.
  await b.getByRole('button', { name: 'Clear filters' }).click();
  await card(b, 'prospect', 'priyahikes').waitFor();
  assert.doesNotMatch(b.url(), /platform=/);
  await a.context().close();
  await b.context().close();
});

test('presence on the board and on an open card; a touch drag moves it for everyone', async () => {
  const a = await (await contextFor(browser, server, brand)).newPage();
  const b = await (await contextFor(browser, server, agency)).newPage();
  await openBoard(a, server, campaignId);
  await openBoard(b, server, campaignId);
  // Each sees the other on the board.
  await b.getByTestId('viewers').locator('[aria-label^="Maya Lind (Northwind Outdoor)"]').waitFor({ timeout: 15000 });

  // A opens Ava's detail: B sees who has that card open.
  await card(a, 'prospect', 'ava.outdoors').getByRole('button', { name: 'Ava Chen' }).click();
  const detail = a.getByTestId('card-detail');
  await detail.waitFor();
  assert.match(await detail.getByTestId('tier-explanation').textContent(), /ER = \(likes \+ comments \+ shares \+ saves\) \/ followers/);
  await card(b, 'prospect', 'ava.outdoors').getByTestId('card-presence').waitFor({ timeout: 15000 });
  assert.match(await b.getByTestId('viewers').innerHTML(), /looking at Ava Chen/);

  // A note from A shows in the history; B's owner change reaches A's open detail live.
  await detail.getByTestId('note-text').fill('Prefers email over DMs');
  await detail.getByRole('button', { name: 'Add note' }).click();
  await detail.getByTestId('history').getByText('Prefers email over DMs').waitFor();
  const board = (await api(server, agency, 'GET', `/api/v1/campaigns/${campaignId}/board`)).json;
  const ava = board.cards.find((c) => c.handle === 'ava.outdoors');
  const brightline = board.campaign.partners.find((p) => p.name === 'Brightline Social');
  await api(server, agency, 'PUT', `/api/v1/campaigns/${campaignId}/creators/${ava.id}/owner`, { org_id: brightline.id, version: ava.version });
  await detail.getByTestId('history').getByText(/Owner changed from Northwind Outdoor · Maya Lind to Brightline Social/).waitFor({ timeout: 10000 });
  await a.keyboard.press('Escape');
  await detail.waitFor({ state: 'detached' });

  // A touch drag from the grip (pointer events of type touch) to Contacted.
  const grip = card(b, 'prospect', 'lucia.camps').locator('.grip');
  const target = b.locator('section.column[data-stage="contacted"]');
  const from = await grip.boundingBox();
  const to = await target.boundingBox();
  await grip.dispatchEvent('pointerdown', { pointerType: 'touch', pointerId: 7, isPrimary: true, clientX: from.x + 4, clientY: from.y + 4, bubbles: true });
  await grip.dispatchEvent('pointermove', { pointerType: 'touch', pointerId: 7, isPrimary: true, clientX: to.x + to.width / 2, clientY: to.y + 40, bubbles: true });
  await grip.dispatchEvent('pointerup', { pointerType: 'touch', pointerId: 7, isPrimary: true, clientX: to.x + to.width / 2, clientY: to.y + 40, bubbles: true });
  await card(b, 'contacted', 'lucia.camps').waitFor({ timeout: 10000 });
  await card(a, 'contacted', 'lucia.camps').waitFor({ timeout: 10000 });
  await a.context().close();
  await b.context().close();
});

test('at 360 px the filters and the move-to menu fit the screen', async () => {
  const ctx = await contextFor(browser, server, brand, { width: 360, height: 740 });
  const p = await ctx.newPage();
  await openBoard(p, server, campaignId);
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  await card(p, 'prospect', 'priyahikes').locator('select').selectOption('contacted');
  // A phone shows one stage at a time: the card has gone to Contacted, one tap away in the stage switcher.
  await card(p, 'contacted', 'priyahikes').waitFor({ state: 'attached' });
  await p.getByTestId('stage-switcher').getByRole('tab', { name: /Contacted/ }).click();
  await card(p, 'contacted', 'priyahikes').waitFor();
  await ctx.close();
});
