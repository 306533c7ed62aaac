/* The outbox of a page that works with no signal: the doorstep app, a teller's station page and
   a runner's knock-up list. What the volunteer records waits in localStorage, each record with
   its own id and the id of the user who recorded it (so a shared phone never sends another's
   records as its own), and is sent in batches when there is signal: on load, when the signal
   returns, every 30 s and after each record. Sending a record twice never stores it twice: the
   server answers with the ids it accepted and those it already had. A record the server
   refuses is kept, with its reason, until the volunteer has seen it; it is not sent again.

   ClpOutbox({url, csrf, user, field, queueKey, failedKey, batch, refused, answered, changed})
   - field: the name the records are sent under ({"results": [...]})
   - refused(event, rejection): what to keep about a refused record besides its reason
   - answered(data, batch, settled): the page's own reading of the server's answer; it may
     mark more ids settled (sent, nothing more to do)
   - changed(): show the state again (after each sync and when the signal comes or goes) */
(function () {
  "use strict";

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) { localStorage.setItem(key, JSON.stringify(value)); }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  window.ClpOutbox = function (options) {
    var user = String(options.user);
    var changed = options.changed || function () {};
    var syncing = false;
    var outbox = { problem: "", load: load, store: store, newId: newId };

    outbox.mine = function (record) { return !record.by || String(record.by) === user; };
    outbox.waiting = function () { return load(options.queueKey, []).filter(outbox.mine); };
    outbox.failed = function () { return load(options.failedKey, []).filter(outbox.mine); };

    // Keep records for sending; each gets an id (unless it has one) and the user's id.
    outbox.add = function (records) {
      var queue = load(options.queueKey, []);
      records.forEach(function (record) {
        record.id = record.id || newId();
        record.by = user;
        queue.push(record);
      });
      store(options.queueKey, queue);
    };

    // Take a record back before it is sent; false when it has been sent already.
    outbox.remove = function (id) {
      var queue = load(options.queueKey, []);
      var kept = queue.filter(function (record) { return record.id !== id; });
      store(options.queueKey, kept);
      return kept.length < queue.length;
    };

    // The volunteer has seen their refused records (those `keep` says to keep stay).
    outbox.clearFailed = function (keep) {
      store(options.failedKey, load(options.failedKey, []).filter(function (f) {
        return !outbox.mine(f) || (keep && keep(f));
      }));
      changed();
    };

    outbox.sync = function () {
      var queue = outbox.waiting();
      changed();
      if (syncing || !queue.length) return;
      syncing = true;
      var batch = queue.slice(0, options.batch || 200);
      var progressed = false;
      var body = {};
      body[options.field] = batch;
      fetch(options.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": options.csrf },
        body: JSON.stringify(body)
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
        if (response.redirected || response.status === 403 || !json) {
          throw new Error("log in again to send them");
        }
        if (!response.ok) {
          return response.json().then(function (data) {
            throw new Error(data.error ? "the server said: " + data.error : "the server could not take them yet");
          });
        }
        return response.json();
      }).then(function (data) {
        var settled = {};
        data.accepted.concat(data.duplicates).forEach(function (id) { settled[id] = true; });
        if (options.answered) options.answered(data, batch, settled);
        var failed = load(options.failedKey, []);
        data.rejected.forEach(function (rejection) {
          settled[rejection.id] = true;
          var event = batch.filter(function (e) { return e.id === rejection.id; })[0] || {};
          var kept = options.refused ? options.refused(event, rejection) : {};
          kept.id = rejection.id;
          kept.error = rejection.error;
          kept.by = user;
          failed.push(kept);
        });
        store(options.failedKey, failed);
        store(options.queueKey, load(options.queueKey, []).filter(function (e) { return !settled[e.id]; }));
        outbox.problem = "";
        progressed = Object.keys(settled).length > 0;
      }).catch(function (err) {
        var message = (err && err.message) || "";
        outbox.problem = message.indexOf("log in") === 0 || message.indexOf("the server said") === 0 ? message : "";
      }).then(function () {
        syncing = false;
        changed();
        if (progressed && outbox.waiting().length) outbox.sync();
      });
    };

    // Send now, when the signal returns and every 30 s; show the state as the signal comes
    // and goes.
    outbox.start = function () {
      window.addEventListener("online", outbox.sync);
      window.addEventListener("offline", changed);
      setInterval(outbox.sync, 30000);
      outbox.sync();
    };

    return outbox;
  };
})();
