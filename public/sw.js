// The Chorus creator portal's service worker (registered by /pwa.js, scope "/").
//
// What it keeps on the device:
//   - the app shell: the content-hashed bundle under /pkg/ (cache first), the favicon, the manifest, the
//     icons, /pwa.js, /times.js and /offline.html;
//   - the pages the signed-in person last opened (`/` and `/portal…`), network first, so the briefs open
//     without a connection. Pages are kept in one cache per account, named after the opaque tag the server
//     puts on every page of a signed-in person (header X-Chorus-Account). A page that arrives with another
//     tag, or with none (signed out), deletes every other account's pages; offline, only the pages of the
//     last account seen are served (that tag is kept in the Cache Storage, so it survives restarts). A page
//     served from the device says so at its top: "Offline — as of 4 Dec 14:05 EST" (when it was kept).
// What it never touches: /api/, /sfn/ (server functions), /ws, /files/ and /auth/ go to the network and are
// never stored; neither is anything but a GET of this origin.
// Signing out answers with `Clear-Site-Data: "cache", "storage"`, which wipes all of this (and this worker).
//
// Change VERSION whenever this file's caching changes: activating the new worker drops the old caches.
const VERSION = '2';
const SHELL = `chorus-shell-v${VERSION}`;
const META = `chorus-meta-v${VERSION}`;
const PAGES_PREFIX = 'chorus-pages-';
const PAGES = `${PAGES_PREFIX}v${VERSION}-`; // + the account tag
const LAST_ACCOUNT = '/__chorus/last-account';
const ACCOUNT_HEADER = 'x-chorus-account';
const SAVED_AT = 'x-chorus-saved-at';
const STATIC = [
  '/favicon.svg',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/maskable-512.png',
  '/icons/apple-touch-icon.png',
  '/offline.html',
  '/pwa.js',
  '/times.js',
];
const PRIVATE = ['/api/', '/sfn/', '/ws', '/files/', '/auth/'];

const isPrivate = (path) => PRIVATE.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p));
const isCreatorPage = (path) => path === '/' || path === '/portal' || path.startsWith('/portal/');
const validTag = (tag) => (tag && /^[0-9a-f]{16}$/.test(tag) ? tag : null);

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await cache.addAll(STATIC);
    // Nothing a page depends on changes between versions (the bundle is content-hashed), so the new worker
    // takes over at once instead of waiting for every tab to close.
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      const current = name === SHELL || name === META || name.startsWith(PAGES);
      if (name.startsWith('chorus-') && !current) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Private answers: not handled here at all, so the browser asks the network and nothing is stored.
  if (isPrivate(url.pathname)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event, request, url));
  } else if (url.pathname.startsWith('/pkg/')) {
    event.respondWith(bundle(event, request, url));
  } else if (STATIC.includes(url.pathname)) {
    event.respondWith(staticFile(event, request, url));
  }
});

// What the page tells: the bundle it loaded before this worker controlled it, and the pages it reached
// inside the app (no navigation request reaches the worker then). See /pwa.js.
self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'cache-shell' && Array.isArray(data.urls)) event.waitUntil(cacheShell(data.urls));
  else if (data.type === 'keep-page' && typeof data.url === 'string') event.waitUntil(fetchAndKeep(data.url));
});

async function cacheShell(urls) {
  const cache = await caches.open(SHELL);
  for (const raw of urls.slice(0, 50)) {
    let url;
    try { url = new URL(raw, self.location.origin); } catch { continue; }
    if (url.origin !== self.location.origin || !url.pathname.startsWith('/pkg/')) continue;
    if (await cache.match(url.pathname, { ignoreVary: true })) continue;
    try {
      const resp = await fetch(url.pathname);
      if (resp.ok) await storeBundleFile(cache, url.pathname, resp);
    } catch {}
  }
}

async function fetchAndKeep(raw) {
  let url;
  try { url = new URL(raw, self.location.origin); } catch { return; }
  if (url.origin !== self.location.origin || !isCreatorPage(url.pathname)) return;
  try {
    const resp = await fetch(url.pathname + url.search, { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (resp.redirected) return;
    const tag = await observeAccount(resp);
    await keepPage(url, resp, tag);
  } catch {}
}

// ---------- pages ----------

async function navigate(event, request, url) {
  let resp;
  try {
    resp = await fetch(request);
  } catch (offline) {
    const kept = await cachedPage(url);
    return kept ? markedOffline(kept) : offlinePage();
  }
  const tag = await observeAccount(resp);
  if (tag) {
    const copy = resp.clone();
    event.waitUntil(keepPage(url, copy, tag));
  }
  return resp;
}

// Keeps a creator portal page of the account `tag` for offline use.
async function keepPage(url, resp, tag) {
  if (!tag || resp.status !== 200 || !isCreatorPage(url.pathname) || !isHtml(resp)) return;
  // Not if another account's page arrived meanwhile.
  if ((await lastAccount()) !== tag) return;
  const cache = await caches.open(PAGES + tag);
  // When it was kept, for the "as of" of the offline marker.
  const headers = new Headers(resp.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  const body = await resp.blob();
  await cache.put(pageKey(url), new Response(body, { status: resp.status, statusText: resp.statusText, headers }));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => String(n).padStart(2, '0');

// A kept page as served offline: a marker at its top says it is a copy and of when. The time is written in UTC
// and shown in the viewer's zone by /times.js (from the device too).
async function markedOffline(kept) {
  const at = new Date(kept.headers.get(SAVED_AT) || kept.headers.get('date') || '');
  const html = await kept.text();
  let when = 'an earlier visit';
  if (!isNaN(at.getTime())) {
    const iso = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const utc = `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())} UTC`;
    when = `<time datetime="${iso}" data-local>${utc}</time>`;
  }
  const marker =
    '<div class="offline-marker" role="status" data-testid="offline-marker" style="position:sticky;top:0;z-index:60;' +
    'padding:0.5rem 1rem;font:600 0.875rem/1.4 system-ui,sans-serif;color:#78350f;background:#fef3c7;' +
    'border-bottom:1px solid #fcd34d;overflow-wrap:anywhere">' +
    `Offline — as of ${when}. This is the copy kept on this device; changes wait for a connection.</div>` +
    '<script src="/times.js" defer></script>';
  const out = /<body[^>]*>/i.test(html) ? html.replace(/<body[^>]*>/i, (body) => body + marker) : marker + html;
  const headers = new Headers(kept.headers);
  headers.delete('content-length');
  return new Response(out, { status: 200, headers });
}

const isHtml = (resp) => (resp.headers.get('content-type') || '').startsWith('text/html');
const pageKey = (url) => url.pathname + url.search;

// Learns whose page this is. Returns the account tag, or null.
async function observeAccount(resp) {
  // A redirect (opaque to the worker) or a file says nothing about who is signed in.
  if (resp.type !== 'basic' || !isHtml(resp)) return null;
  const tag = validTag(resp.headers.get(ACCOUNT_HEADER));
  await forgetOtherAccounts(tag);
  const meta = await caches.open(META);
  if (tag) await meta.put(LAST_ACCOUNT, new Response(tag, { headers: { 'content-type': 'text/plain' } }));
  else await meta.delete(LAST_ACCOUNT);
  return tag;
}

// Deletes the pages of every account but `keep` (all of them when signed out).
async function forgetOtherAccounts(keep) {
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES_PREFIX) && (!keep || name !== PAGES + keep)) await caches.delete(name);
  }
}

async function lastAccount() {
  const hit = await caches.match(LAST_ACCOUNT, { cacheName: META });
  return hit ? validTag((await hit.text()).trim()) : null;
}

// Offline: the page as the last account seen it, never another account's.
async function cachedPage(url) {
  const tag = await lastAccount();
  if (!tag || !(await caches.has(PAGES + tag))) return null;
  const cache = await caches.open(PAGES + tag);
  return (await cache.match(pageKey(url), { ignoreVary: true })) || null;
}

async function offlinePage() {
  const hit = await caches.match('/offline.html', { cacheName: SHELL, ignoreVary: true });
  if (hit) return hit;
  return new Response(
    '<!DOCTYPE html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
      '<title>Offline · Chorus</title><main data-testid="offline"><h1>You are offline</h1>' +
      '<p>This page has not been saved on this device yet.</p></main>',
    { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } },
  );
}

// ---------- the app shell ----------

// /pkg/…: names change with their content, so a stored copy is always right.
async function bundle(event, request, url) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(url.pathname, { ignoreVary: true });
  if (hit) return hit;
  const resp = await fetch(request);
  if (resp.ok && resp.type === 'basic') {
    const copy = resp.clone();
    event.waitUntil(storeBundleFile(cache, url.pathname, copy).catch(() => {}));
  }
  return resp;
}

// Stores a bundle file and drops the older builds of it (same name but for the hash).
async function storeBundleFile(cache, path, resp) {
  await cache.put(path, resp);
  const stem = unhashed(path);
  if (stem === path) return;
  for (const req of await cache.keys()) {
    const other = new URL(req.url).pathname;
    if (other !== path && other.startsWith('/pkg/') && unhashed(other) === stem) await cache.delete(req);
  }
}

// `/pkg/chorus.3f9a0c1d2e.wasm` → `/pkg/chorus.wasm`
const unhashed = (path) => path.replace(/\.[A-Za-z0-9_-]{8,}(\.[A-Za-z0-9]+)$/, '$1');

// Icons, manifest, favicon, offline page: from the device at once, refreshed in the background.
async function staticFile(event, request, url) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(url.pathname, { ignoreVary: true });
  const fresh = fetch(request).then(async (resp) => {
    if (resp.ok && resp.type === 'basic') await cache.put(url.pathname, resp.clone());
    return resp;
  });
  if (hit) {
    event.waitUntil(fresh.catch(() => {}));
    return hit;
  }
  return fresh;
}
