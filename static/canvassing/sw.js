/* Offline worker for the doorstep app. The page itself puts a copy of itself and its files in
   the cache (doorstep.js); this worker answers from that cache when there is no signal, and
   keeps the copy fresh whenever the network answers. Only GET requests are touched: results
   are always sent by the page, which keeps them until the server confirms. */
var CACHE = "clp-doorstep-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var isWalkList = url.pathname.indexOf("/canvassing/walk/") === 0;
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!isWalkList && !isStatic) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (isWalkList && response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(isWalkList ? url.pathname : request, { ignoreSearch: true }).then(function (hit) {
        return hit || new Response(
          "No signal, and this page is not saved on this phone yet. Open it once with signal.",
          { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } }
        );
      });
    })
  );
});
