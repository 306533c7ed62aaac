/* Offline worker for the doorstep app. The doorstep page puts a copy of itself and its files in
   the cache (doorstep.js); this worker answers from that cache when there is no signal, and
   keeps the copies fresh whenever the network answers. Only GET requests are touched: results
   are always sent by the page, which keeps them until the server confirms them. Logging out
   (logout.js) deletes this cache; so does this worker when the server answers a page with the
   login page. */
var CACHE = "clp-doorstep-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var isPage = url.pathname === "/canvassing/" || url.pathname.indexOf("/canvassing/walk/") === 0;
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!isPage && !isStatic) return;
  var key = isPage ? url.pathname : request;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
      } else if (isPage && (response.type === "opaqueredirect" || response.redirected ||
                            response.status === 401 || response.status === 403)) {
        // Sent to the login page (logged out, here or elsewhere) or no longer a canvasser:
        // no walk list stays on the phone. Results waiting to sync are not in this cache.
        caches.delete(CACHE);
      } else if (isPage && response.status === 404) {
        // The list is no longer this canvasser's: do not keep its names on the phone.
        caches.open(CACHE).then(function (cache) { cache.delete(key); });
      }
      return response;
    }).catch(function () {
      return caches.match(key, { ignoreSearch: true }).then(function (hit) {
        return hit || new Response(
          "No signal, and this page is not saved on this phone yet. Open it once with signal.",
          { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } }
        );
      });
    })
  );
});
