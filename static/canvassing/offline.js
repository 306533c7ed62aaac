/* Keeps the canvasser's pages on the phone for working with no signal. Loaded (before any other
   script of the page) by home, My lists and the doorstep page. It registers the offline worker
   (sw.js) and, on the first visit before the worker looks after the page, saves the page as the
   browser received it and its files from the browser's own cache: the phone does not download
   the whole walk list a second time just to keep it. From then on the worker saves each page as
   it passes. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !("serviceWorker" in navigator) || !window.caches) return;
  var CACHE = "clp-doorstep-v1";
  // Taken now, before the page's other scripts change it (marks, sync status, warnings).
  var snapshot = "<!DOCTYPE html>\n" + document.documentElement.outerHTML;
  function ready() {
    [document.documentElement, document.getElementById("doorstep")].forEach(function (n) {
      if (n) n.dataset.offlineReady = "1";
    });
  }

  navigator.serviceWorker.register(me.dataset.sw, { scope: me.dataset.scope }).catch(function () {});
  function saveSnapshot() {
    var files = [];
    document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach(function (n) {
      files.push(n.getAttribute("href") || n.getAttribute("src"));
    });
    return caches.open(CACHE).then(function (cache) {
      var page = new Response(snapshot, {
        headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "private, no-store" }
      });
      return Promise.all([cache.put(location.pathname, page)].concat(files.map(function (file) {
        // "force-cache": what the browser has just loaded for this page, not a new download.
        return fetch(file, { cache: "force-cache", credentials: "same-origin" }).then(function (r) {
          if (r.ok) return cache.put(file, r);
        });
      })));
    }).then(ready).catch(function () {});
  }

  if (navigator.serviceWorker.controller) {
    // The worker saves a page as it passes through; say "ready" only once this one is saved.
    // A page the worker took over after it loaded never passed through: save it here.
    var tries = 0;
    (function saved() {
      caches.match(location.pathname).then(function (hit) {
        if (hit) ready();
        else if (++tries < 10) setTimeout(saved, 100);
        else if (navigator.onLine) saveSnapshot();
      });
    })();
    return;
  }
  if (navigator.onLine) saveSnapshot();
})();
