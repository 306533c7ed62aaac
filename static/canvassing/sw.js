/* Offline worker for the canvasser's pages: home, My lists and each walk list (and polling
   day's teller and runner pages). A page keeps a
   copy of itself in the cache the first time it is opened (offline.js, from what the browser
   already has: nothing is downloaded twice); this worker answers from that cache when there is
   no signal, and keeps the copies fresh whenever the network answers. With no signal and no
   copy, it answers with a page saying so, with a way back to My lists. Only GET requests are
   touched: results are always sent by the page, which keeps them until the server confirms
   them. Logging out (logout.js) deletes this cache; so does this worker when the server answers
   a page with the login page. */
var CACHE = "clp-doorstep-v1";
var MY_LISTS = "/canvassing/";
var HOME = "/";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

// Written here rather than fetched, so it is there even on a phone that has saved nothing yet.
// It carries no names and no scripts.
function offlinePage(path) {
  var html = '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>No signal · CLP</title><style>" +
    "body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;" +
    "color:#1b1b1b;background:#fff}" +
    "header{background:#b0001e;color:#fff;padding:.75rem 1rem;font-weight:700}" +
    "main{max-width:36rem;margin:0 auto;padding:1rem}" +
    "h1{font-size:1.4rem;margin:.5rem 0}" +
    ".button{display:inline-flex;align-items:center;min-height:48px;padding:0 1.25rem;" +
    "background:#b0001e;color:#fff;border-radius:6px;text-decoration:none;font-weight:700;" +
    "margin:.25rem .5rem .25rem 0}" +
    ".secondary{background:#fff;color:#b0001e;border:2px solid #b0001e}" +
    "</style></head><body><header>CLP campaign platform</header>" +
    '<main id="main"><h1>No signal</h1>' +
    "<p>This page is not saved on this phone yet, so it cannot open without signal " +
    "(<span class=\"path\">" + escapeHtml(path) + "</span>).</p>" +
    "<p>Your walk lists that you have opened before still work, and results you record are " +
    "kept on this phone until there is signal again.</p>" +
    '<p><a class="button" href="' + MY_LISTS + '">My lists</a>' +
    '<a class="button secondary" href="' + escapeHtml(path) + '">Try again</a></p>' +
    "</main></body></html>";
  return new Response(html, {
    status: 503,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'"
    }
  });
}

// Polling day's teller and runner pages (/pollingday/tell/…, /pollingday/run/…) too.
function isKeptPage(path) {
  return path === HOME || path === MY_LISTS || path.indexOf("/canvassing/walk/") === 0 ||
    path.indexOf("/pollingday/tell/") === 0 || path.indexOf("/pollingday/run/") === 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var isNavigation = request.mode === "navigate";
  var isPage = isKeptPage(url.pathname);
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!isPage && !isStatic && !isNavigation) return;
  if (!isPage && !isStatic) {
    // Any other page: straight to the network, and a proper page if there is no signal.
    event.respondWith(fetch(request).catch(function () { return offlinePage(url.pathname); }));
    return;
  }
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
        if (hit) return hit;
        if (isPage || isNavigation) return offlinePage(url.pathname);
        return Response.error();
      });
    })
  );
});
