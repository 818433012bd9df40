// Starts a real Chorus server on a fresh SQLite file and a headless Chromium, and signs people up.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';

const BIN = process.env.CHORUS_BIN;
const SITE = process.env.CHORUS_SITE_ROOT;

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `args`: extra command-line flags, e.g. `['--demo']`. */
export async function startServer({ args = [] } = {}) {
  if (!BIN || !SITE) throw new Error('set CHORUS_BIN and CHORUS_SITE_ROOT (scripts/test.sh does)');
  const dir = mkdtempSync(join(tmpdir(), 'chorus-e2e-'));
  const port = await freePort();
  const proc = spawn(BIN, ['--data-dir', dir, '--addr', `127.0.0.1:${port}`, '--site-root', SITE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  let healthy = false;
  for (let i = 0; i < 300 && !healthy; i++) {
    try {
      healthy = (await fetch(`${base}/healthz`)).ok;
      if (healthy) break;
    } catch {}
    if (proc.exitCode !== null) throw new Error(`server exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!healthy) throw new Error(`server did not become healthy in 30 s: ${log}`);
  return {
    base,
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

export async function startBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
    ],
  });
}

/** Calls the JSON API; returns the parsed body (throws on an error status). */
export async function api(server, cookie, method, path, body) {
  const r = await fetch(`${server.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return { json, cookie: (r.headers.get('set-cookie') || '').split(';')[0] };
}

/** Signs up a person with a new organization; returns their session cookie. */
export async function signUp(server, name, email, org) {
  const { cookie } = await api(server, null, 'POST', '/api/v1/auth/signup', {
    name, email, password: 'correct horse', org_name: org, org_kind: 'agency',
  });
  return cookie;
}

/** A browser context already signed in with `cookie`. */
export async function contextFor(browser, server, cookie, viewport = { width: 1280, height: 900 }) {
  const ctx = await browser.newContext({ viewport });
  if (cookie) {
    const [name, value] = cookie.split('=');
    await ctx.addCookies([{ name, value, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  }
  return ctx;
}

/** Waits until the board page has hydrated and its live connection is up. */
export async function openBoard(page, server, id) {
  await page.goto(`${server.base}/campaigns/${id}`);
  await page.locator('.live[data-status="live"]').waitFor({ timeout: 30000 });
}

export function card(page, stage, handle) {
  return page.locator(`section.column[data-stage="${stage}"] li.card[data-handle="${handle}"]`);
}

/** Records the WASM files `page` requests from now on (pathnames under /pkg/); `stop()` ends the recording. */
export function recordWasm(page) {
  const files = new Set();
  const onRequest = (r) => {
    const { pathname } = new URL(r.url());
    if (pathname.startsWith('/pkg/') && pathname.endsWith('.wasm')) files.add(pathname);
  };
  page.on('request', onRequest);
  /** Waits until a file whose path matches `pattern` has been requested (islands hydrate when the page is idle). */
  const requested = async (pattern, timeout = 30000) => {
    for (const until = Date.now() + timeout; Date.now() < until; await page.waitForTimeout(100)) {
      if ([...files].some((p) => pattern.test(p))) return true;
    }
    return false;
  };
  return { files, requested, stop: () => page.off('request', onRequest) };
}
