// Webhooks and personal data (issue 26), on the server-rendered pages with plain forms: a partner adds a webhook
// on a 360 px phone with the keyboard, copies the secret shown once, sends a test that a real receiver (started
// here) gets signed, and sees it delivered in the log; then erases a creator, and the board says "a creator
// (erased)". Both pages are reached from the settings row under the campaign's tabs. The server runs with
// --webhooks-allow-private and --webhooks-allow-http so it may post to this machine over plain HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startServer, startBrowser, api, signUp, contextFor } from './harness.mjs';

let server, browser, brand, id, receiver, hookUrl;
const received = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  server = await startServer({ args: ['--webhooks-allow-private', '--webhooks-allow-http', '--webhook-retry-base-ms', '500'] });
  browser = await startBrowser();
  brand = await signUp(server, 'Maya Lind', 'maya@northwind.example', 'Northwind Outdoor');
  id = (await api(server, brand, 'POST', '/api/v1/campaigns', { name: 'Trailhead Spring Launch' })).json.id;
  await api(server, brand, 'POST', `/api/v1/campaigns/${id}/creators`, {
    name: 'Ada Trail', platform: 'instagram', handle: 'ada.trail', followers: 12000, lane: 'ugc',
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
});

function verify(secret, header, body) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=')));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1));
}

test('a partner adds a webhook on a phone, sends a test, and sees it delivered signed', async () => {
  const page = await (await contextFor(browser, server, brand, { width: 360, height: 740 })).newPage();
  await page.goto(`${server.base}/campaigns/${id}`);
  await page.getByTestId('campaign-settings').getByRole('link', { name: 'Webhooks' }).click();
  await page.waitForURL(/\/webhooks$/);
  // Keyboard only: the address, the payload, submit.
  await page.getByLabel('Address (https://…)').focus();
  await page.keyboard.type(hookUrl);
  await page.keyboard.press('Enter');
  await page.waitForURL(/created=/);
  const secret = (await page.getByTestId('webhook-secret').locator('code').textContent()).trim();
  assert.match(secret, /^whsec_[0-9a-f]{64}$/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);

  await page.getByRole('button', { name: 'Send test' }).click();
  await page.waitForURL(/tested=/);
  for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  const ping = received.find((r) => r.headers['chorus-event'] === 'ping');
  assert.ok(ping, 'the receiver got the test');
  assert.ok(verify(secret, ping.headers['chorus-signature'], ping.body), 'signed with the secret shown');
  assert.equal(JSON.parse(ping.body).id, ping.headers['chorus-delivery']);
  // The log on the page says delivered (reload until the deliverer has recorded it).
  for (let i = 0; i < 20; i++) {
    await page.goto(`${server.base}/campaigns/${id}/webhooks`);
    if ((await page.getByTestId('delivery-log').textContent()).includes('delivered')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.match(await page.getByTestId('delivery-log').textContent(), new RegExp(`${ping.headers['chorus-delivery']}[\\s\\S]*ping[\\s\\S]*delivered`));
  // Reloaded, the secret is not shown again.
  assert.equal(await page.getByTestId('webhook-secret').count(), 0);
});

test('a partner erases a creator, and the board then says "a creator (erased)"', async () => {
  const page = await (await contextFor(browser, server, brand, { width: 1440, height: 900 })).newPage();
  await page.goto(`${server.base}/campaigns/${id}/content`);
  await page.getByTestId('campaign-settings').getByRole('link', { name: 'Personal data' }).click();
  await page.waitForURL(/\/privacy$/);
  const form = page.getByTestId('erase-form');
  await form.getByLabel('Creator').selectOption({ label: 'Ada Trail' });
  await form.getByLabel('I understand this cannot be undone').check();
  await form.getByRole('button', { name: "Erase this creator's personal data" }).click();
  await page.waitForURL(/erased=/);
  await page.getByTestId('erased').waitFor();
  await page.goto(`${server.base}/campaigns/${id}`);
  await page.getByText('a creator (erased)').first().waitFor();
  assert.equal(await page.getByText('Ada Trail').count(), 0);
});
