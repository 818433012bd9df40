// Notifications on the demo: a partner sets what comes by mail on /settings/notifications (a server-rendered form,
// no island), the choice holds after a reload, the page works at 360 px and with the keyboard; a creator's reply
// in a thread the partner wrote in appears in the partner's inbox on the home page and goes away with "Dismiss";
// "Forgot your password?" answers the same for any address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, contextFor } from './harness.mjs';

let server, browser, jordan, priya, id, deliverable;

async function signIn(email) {
  return (await api(server, null, 'POST', '/api/v1/auth/signin', { email, password: 'chorus-demo' })).cookie;
}

before(async () => {
  server = await startServer({ args: ['--demo'] });
  browser = await startBrowser();
  jordan = await signIn('jordan@brightline.example');
  priya = await signIn('priya@creators.example');
  id = (await api(server, jordan, 'GET', '/api/v1/campaigns')).json[0].id;
  const content = (await api(server, jordan, 'GET', `/api/v1/campaigns/${id}/content`)).json;
  deliverable = content.deliverables.find((d) => /Priya/.test(d.creator_name));
  assert.ok(deliverable, 'the demo has a deliverable of Priya');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a partner chooses what comes by mail, and the choice holds', async () => {
  const ctx = await contextFor(browser, server, jordan);
  const page = await ctx.newPage();
  await page.goto(`${server.base}/settings/notifications`);
  const form = page.getByTestId('preferences-form');
  await form.waitFor();
  const replies = page.getByLabel('Replies to my comments');
  assert.equal(await replies.inputValue(), 'digest', 'partners get replies in the digest by default');
  await replies.selectOption('immediately');
  await page.locator('select[name="quiet_start"]').selectOption('22');
  await page.locator('select[name="quiet_end"]').selectOption('7');
  await page.getByLabel('Your time zone').fill('Europe/Berlin');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.reload();
  assert.equal(await page.getByLabel('Replies to my comments').inputValue(), 'immediately');
  assert.equal(await page.locator('select[name="quiet_start"]').inputValue(), '22');
  assert.equal(await page.getByLabel('Your time zone').inputValue(), 'Europe/Berlin');
  const prefs = (await api(server, jordan, 'GET', '/api/v1/notification-preferences')).json;
  assert.equal(prefs.kinds.find((k) => k.kind === 'comment_reply').delivery, 'immediately');
  // A zone that is not one is refused, naming the field, and nothing is saved.
  await page.getByLabel('Your time zone').fill('Mars/Olympus');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/error=/);
  assert.match(await page.locator('.error, [role="alert"]').first().innerText(), /not a time zone/);
  assert.equal((await api(server, jordan, 'GET', '/api/v1/notification-preferences')).json.time_zone, 'Europe/Berlin');
  await ctx.close();
});

test('the settings page fits a phone and works with the keyboard', async () => {
  const ctx = await contextFor(browser, server, jordan, { width: 360, height: 780 });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/settings/notifications`);
  await page.getByTestId('preferences-form').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no sideways scrolling at 360 px (${width})`);
  await page.getByLabel('Escalations assigned to me').focus();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('name'));
  assert.equal(focused, 'kind_review_waiting');
  await ctx.close();
});

test('a creator\'s reply appears in the partner\'s inbox and is dismissed', async () => {
  const comments = `/api/v1/campaigns/${id}/deliverables/${deliverable.id}/comments`;
  await api(server, jordan, 'POST', comments, { body: 'Could you try the morning light?', internal: false });
  await api(server, priya, 'POST', comments, { body: 'Yes, tomorrow at 7!' });
  const ctx = await contextFor(browser, server, jordan);
  const page = await ctx.newPage();
  await page.goto(`${server.base}/`);
  const inbox = page.getByTestId('inbox');
  await page.locator('[data-testid="inbox"][data-live="live"]').waitFor({ timeout: 30000 });
  const item = inbox.locator('[data-testid="inbox-item"][data-kind="comment_reply"]').filter({ hasText: 'commented on' });
  await item.first().waitFor();
  assert.match(await item.first().innerText(), /Yes, tomorrow at 7!/);
  assert.match(await item.first().getByRole('link').first().getAttribute('href'), new RegExp(`^/campaigns/${id}/content#deliverable-${deliverable.id}$`));
  await item.first().getByRole('button', { name: /Dismiss/ }).click();
  await page.waitForURL(`${server.base}/`);
  await page.locator('[data-testid="inbox"][data-live="live"]').waitFor({ timeout: 30000 });
  assert.equal(await inbox.locator('[data-testid="inbox-item"][data-kind="comment_reply"]').count(), 0);
  // Priya, the actor, got no notification of her own reply.
  const hers = (await api(server, priya, 'GET', '/api/v1/notifications')).json;
  assert.ok(!hers.some((n) => /Priya/.test(n.title) && n.kind === 'comment_reply'));
  await ctx.close();
});

test('"Forgot your password?" answers the same for any address', async () => {
  const ctx = await contextFor(browser, server, null);
  const page = await ctx.newPage();
  const texts = [];
  for (const email of ['jordan@brightline.example', 'nobody@nowhere.example']) {
    await page.goto(`${server.base}/signin`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Mail me a link' }).click();
    texts.push(await page.getByTestId('reset-sent').innerText());
  }
  assert.equal(texts[0], texts[1]);
  await ctx.close();
});
