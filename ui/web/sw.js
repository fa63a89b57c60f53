// sw.js: the responder phone's service worker. The app shell (page, scripts, styles, Leaflet,
// the scenario layers it fetched) is cached, so the page opens with no signal and shows the
// last assignment (kept by responder.js). Network first, cache when offline; the live feed
// (websocket) and commands (POST) are never cached.
const CACHE = 'floodcmd-phone-v1';
const SHELL = ['/static/responder.js', '/static/api.js', '/static/i18n.js', '/static/ws.js', '/static/map.js', '/static/names.js',
  '/static/reasons.js', '/static/queue.js', '/static/alert.js', '/static/style.css', '/static/icon.svg', '/static/icon-192.png', '/static/manifest-link.js',
  '/static/vendor/leaflet/leaflet.js', '/static/vendor/leaflet/leaflet.css', '/api/scenario'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// cacheable: the shell and what the map reads; never the state, the feed or a command.
function cacheable(url, req) {
  if (req.method !== 'GET' || url.origin !== location.origin) return false;
  if (req.mode === 'navigate') return true;
  return url.pathname.startsWith('/static/') || url.pathname.startsWith('/api/scenario') ||
    /^\/api\/responders\/[^/]+\/surroundings$/.test(url.pathname) || /^\/responder\/[^/]+\/manifest\.webmanifest$/.test(url.pathname) ||
    url.pathname === '/api/whoami';
}

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (!cacheable(url, e.request)) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fetch(e.request);
      if (res.ok) cache.put(e.request, res.clone());
      return res;
    } catch (err) {
      const hit = await cache.match(e.request, { ignoreSearch: url.pathname.endsWith('/surroundings') });
      if (hit) return hit;
      throw err;
    }
  })());
});
