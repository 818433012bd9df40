// Money across borders (issue 23): on a US-dollar campaign run by a US brand and an EU agency, an EU creator is paid
// in euros. When her post is approved she sees her payout, its payer and its due date on her phone (360 px, nothing
// wider than the screen); both partners see it converted into dollars at the day's rate on the dashboard, with the
// euros beside it, and on the payout ledger, where the paying agency records the payment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, signUp, contextFor } from './harness.mjs';

let server, browser, brand, agency, sofia, id;
const today = new Date().toISOString().slice(0, 10);

async function saveSection(cookie, section, body) {
  const view = (await api(server, cookie, 'GET', `/api/v1/campaigns/${id}/charter`)).json;
  const version = view.sections.find((s) => s.section === section).version;
  await api(server, cookie, 'PUT', `/api/v1/campaigns/${id}/charter/sections/${section}`, { body, version });
}

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  agency = await signUp(server, 'Lena Vogt', 'lena@kanal.example', 'Kanal Studio');
  id = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  const inv = (await api(server, brand, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'partner' })).json;
  await api(server, agency, 'POST', `/api/v1/invitations/${inv.token}/accept`);
  const maya = (await api(server, brand, 'GET', '/api/v1/me')).json;
  const lena = (await api(server, agency, 'GET', '/api/v1/me')).json;
  await saveSection(brand, 'responsibilities', { items: [
    { org_id: maya.org.id, responsibility: 'Budget and final say', accountable: maya.user_id },
    { org_id: lena.org.id, responsibility: 'Influencer relations and creator payments (EU)', accountable: lena.user_id }] });
  await saveSection(brand, 'ownership', { accountable_owner: maya.user_id, creator_contact: lena.user_id });
  await api(server, brand, 'PUT', `/api/v1/campaigns/${id}/time-zone`, { time_zone: 'Europe/Berlin' });
  // The campaign reports in US dollars; Sofia (Kanal's creator, in the Netherlands) is paid in euros.
  await api(server, brand, 'PUT', `/api/v1/campaigns/${id}/currency`, { currency: 'USD' });
  const card = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/creators`, {
    name: 'Sofia Marin', platform: 'instagram', handle: 'sofia.outside', lane: 'influencer', country: 'NL',
  })).json;
  await api(server, agency, 'PUT', `/api/v1/campaigns/${id}/creators/${card.id}/payout-currency`, { currency: 'EUR' });
  const cinv = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/invitations`, { kind: 'creator', creator_id: card.id })).json;
  const r = await fetch(`${server.base}/auth/creator-signup`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: cinv.token, name: 'Sofia Marin', email: 'sofia@creator.example', password: 'creator-pass' }),
  });
  sofia = (r.headers.get('set-cookie') || '').split(';')[0];
  const d = (await api(server, agency, 'POST', `/api/v1/campaigns/${id}/deliverables`, {
    creator_id: card.id, lane: 'influencer', title: 'Launch-day Reel', fee_cents: 420000,
  })).json;
  const sent = (await api(server, sofia, 'POST', `/api/v1/campaigns/${id}/deliverables/${d.id}/submissions`, {
    caption: '#ad Out on the ridge in the new shell', link: 'https://instagram.example/p/sofia-1', uploads: [],
  })).json;
  await api(server, brand, 'POST', `/api/v1/campaigns/${id}/deliverables/${d.id}/review`, {
    round: 1, decision: 'approved', version: sent.version,
  });
  // The EU agency enters the day's rate.
  await api(server, agency, 'POST', `/api/v1/campaigns/${id}/exchange-rates`, { base: 'EUR', quote: 'USD', day: today, rate: '1.08' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the EU creator sees her payout in euros and its due date on her phone', async () => {
  const phone = await (await contextFor(browser, server, sofia, { width: 360, height: 740 })).newPage();
  await phone.goto(`${server.base}/portal`);
  await phone.getByTestId('my-payouts-link').click();
  await phone.waitForURL(/\/portal\/payouts$/);
  const line = phone.getByTestId('my-payout').first();
  await line.waitFor();
  assert.equal(await line.getByTestId('my-payout-amount').textContent(), '€4,200.00');
  assert.match(await line.textContent(), /Paid by Kanal Studio/);
  assert.match(await line.getByTestId('my-payout-due').textContent(), /^Due \d{1,2} \w{3} \d{4} \(Europe\/Berlin\)$/);
  assert.equal(await phone.getByTestId('owed-to-me').textContent(), '€4,200.00');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
});

test('both partners see it converted on the dashboard, and the payer records the payment on the ledger', async () => {
  for (const cookie of [brand, agency]) {
    const page = await (await contextFor(browser, server, cookie, { width: 1440, height: 900 })).newPage();
    await page.goto(`${server.base}/campaigns/${id}/performance`);
    const panel = page.getByTestId('money-panel');
    await panel.waitFor();
    assert.match(await panel.textContent(), /Owed to creators: \$4,536\.00/);
    assert.match(await panel.textContent(), /€4,200\.00/);
  }
  const page = await (await contextFor(browser, server, agency, { width: 1440, height: 900 })).newPage();
  await page.goto(`${server.base}/campaigns/${id}/payouts`);
  const line = page.getByTestId('payout-line').first();
  assert.match(await line.getByTestId('payout-converted').textContent(), /^€4,200\.00 → \$4,536\.00 at 1\.08 on /);
  await line.getByRole('button', { name: 'Approve for payment' }).click();
  await page.waitForURL(/\/payouts#payout-/);
  const approved = page.getByTestId('payout-line').first();
  await approved.getByLabel('Reference').fill('SEPA-2027-0042');
  await approved.getByRole('button', { name: 'Record payment' }).click();
  await page.waitForURL(/\/payouts#payout-/);
  assert.equal(await page.getByTestId('payout-line').first().getAttribute('data-state'), 'paid');
  assert.match(await page.getByTestId('paid-total').textContent(), /\$4,536\.00/);
  // Her phone shows it paid, with the reference.
  const phone = await (await contextFor(browser, server, sofia, { width: 360, height: 740 })).newPage();
  await phone.goto(`${server.base}/portal/payouts`);
  assert.equal(await phone.getByTestId('my-payout').first().getAttribute('data-state'), 'paid');
  assert.match(await phone.getByTestId('my-payout').first().textContent(), /ref SEPA-2027-0042/);
  assert.equal(await phone.getByTestId('owed-to-me').textContent(), 'nothing');
});
