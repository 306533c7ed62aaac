/* The runner's knock-up list: the doorstep app's pattern in a knock-up mode. Works with no
   signal: knocks wait in localStorage and are sent when the network returns, on every page
   load and after each knock. Each knock has its own id, so sending it twice never stores it
   twice; one the server refuses is shown with its reason until the runner dismisses it.
   Whoever has voted since the page was loaded is hidden: on load and every minute with signal
   the page asks the server which of the list's electors have voted (ids only), and remembers
   them on the phone so a reload with no signal hides them too. */
(function () {
  "use strict";
  var root = document.getElementById("knockup");
  if (!root) return;
  var LIST = Number(root.dataset.list);
  var USER = root.dataset.user;
  var QKEY = "clp.knockup.pending." + LIST;
  var FKEY = "clp.knockup.failed." + LIST;
  var DKEY = "clp.knockup.done." + LIST;
  var VKEY = "clp.knockup.voted." + LIST;
  var POLL = (Number(root.dataset.poll) || 60) * 1000;
  var VOTED_BEFORE = Number(root.dataset.votedBefore) || 0;
  var WORDS = {};
  document.querySelectorAll('#rec input[name="outcome"]').forEach(function (input) {
    WORDS[input.value] = input.parentNode.textContent.trim();
  });
  var statusEl = document.getElementById("sync-status");
  var problemsEl = document.getElementById("sync-problems");
  var votedEl = document.getElementById("voted-since");
  var sheet = document.getElementById("rec");
  var errorEl = document.getElementById("rec-error");
  var current = null;
  var syncing = false;
  var problem = "";

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function mine(event) { return !event.by || String(event.by) === USER; }
  function waiting() { return load(QKEY, []).filter(mine); }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function button(id) { return root.querySelector('.el[data-e="' + id + '"]'); }

  function mark(id, outcome) {
    var b = button(id);
    if (!b) return;
    b.dataset.o = outcome;
    b.querySelector("i").textContent = WORDS[outcome] || outcome;
  }

  // --- who has voted since -------------------------------------------------------------------

  function showVoted() {
    var hidden = root.querySelectorAll("li[data-voted]").length;
    var n = VOTED_BEFORE + hidden;
    votedEl.textContent = n + " voted since you set out";
    votedEl.dataset.count = String(n);
  }

  function hideVoted(ids) {
    ids.forEach(function (id) {
      var b = button(id);
      if (!b) return;
      var item = b.closest("li");
      if (item.dataset.voted) return;
      item.dataset.voted = "1";
      item.hidden = true;
      var door = item.closest(".hh");
      if (door && !door.querySelector("li:not([data-voted])")) door.hidden = true;
    });
    showVoted();
  }

  function fetchVoted() {
    if (!navigator.onLine) return;
    fetch(root.dataset.voted, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        var json = (r.headers.get("Content-Type") || "").indexOf("json") >= 0;
        if (!r.ok || r.redirected || !json) throw new Error("no answer");
        return r.json();
      })
      .then(function (data) {
        var known = load(VKEY, []);
        data.voted.forEach(function (id) { if (known.indexOf(id) < 0) known.push(id); });
        store(VKEY, known);
        hideVoted(data.voted);
      })
      .catch(function () {});
  }

  // --- knocks and sync ---------------------------------------------------------------------------

  function showProblems(failed) {
    problemsEl.textContent = "";
    problemsEl.hidden = !failed.length;
    if (!failed.length) return;
    var title = document.createElement("p");
    title.textContent = "Not saved (please tell your committee room):";
    var list = document.createElement("ul");
    failed.forEach(function (f) {
      var item = document.createElement("li");
      item.textContent = (f.name ? f.name + ": " : "") + f.error;
      list.append(item);
    });
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "button secondary";
    ok.textContent = "I have told the committee room";
    ok.addEventListener("click", function () {
      store(FKEY, load(FKEY, []).filter(function (f) { return !mine(f); }));
      showStatus();
    });
    problemsEl.append(title, list, ok);
  }

  function showStatus() {
    var n = waiting().length;
    var failed = load(FKEY, []).filter(mine);
    showProblems(failed);
    var text;
    if (n) {
      text = n + (n === 1 ? " knock" : " knocks") + " waiting to sync";
      if (!navigator.onLine) text += " (no signal: they are kept safe on this phone)";
      else if (problem) text += " (" + problem + ")";
    } else if (!navigator.onLine) {
      text = "No signal. Nothing waiting to sync: what you record is kept on this phone.";
    } else {
      text = "All knocks synced.";
    }
    if (failed.length) text += " " + failed.length + " could not be saved: please tell your committee room.";
    statusEl.textContent = text;
    statusEl.dataset.pending = String(n);
  }

  function sync() {
    var queue = waiting();
    if (syncing || !queue.length) { showStatus(); return; }
    syncing = true;
    var batch = queue.slice(0, 200);
    var progressed = false;
    fetch(root.dataset.sync, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify({ knocks: batch })
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
      var failed = load(FKEY, []);
      data.rejected.forEach(function (r) {
        settled[r.id] = true;
        var event = batch.filter(function (e) { return e.id === r.id; })[0] || {};
        var b = button(event.elector);
        failed.push({ id: r.id, error: r.error, by: USER, name: b ? b.querySelector("b").textContent : "" });
      });
      store(FKEY, failed);
      store(QKEY, load(QKEY, []).filter(function (e) { return !settled[e.id]; }));
      problem = "";
      progressed = batch.length > 0;
    }).catch(function (err) {
      var message = (err && err.message) || "";
      problem = message.indexOf("log in") === 0 || message.indexOf("the server said") === 0 ? message : "";
    }).then(function () {
      syncing = false;
      showStatus();
      if (progressed && waiting().length) sync();
    });
  }

  function record(event) {
    event.id = newId();
    event.recorded_at = new Date().toISOString();
    event.by = USER;
    var queue = load(QKEY, []);
    queue.push(event);
    store(QKEY, queue);
    var done = load(DKEY, {});
    done[event.elector] = event.outcome;
    store(DKEY, done);
    mark(event.elector, event.outcome);
  }

  function openSheet(id) {
    current = id;
    sheet.reset();
    errorEl.textContent = "";
    document.getElementById("rec-name").textContent = button(id).querySelector("b").textContent;
    sheet.hidden = false;
    var first = sheet.querySelector('input[name="outcome"]');
    if (first) first.focus();
  }

  function closeSheet() {
    sheet.hidden = true;
    var b = current && button(current);
    current = null;
    if (b) b.focus();
  }

  root.addEventListener("click", function (ev) {
    var el = ev.target.closest(".el");
    if (el) openSheet(Number(el.dataset.e));
  });
  sheet.querySelector("[data-cancel]").addEventListener("click", closeSheet);
  sheet.addEventListener("keydown", function (ev) { if (ev.key === "Escape") closeSheet(); });
  sheet.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var data = new FormData(sheet);
    var outcome = data.get("outcome");
    if (!outcome) { errorEl.textContent = "Choose what happened at the door."; return; }
    record({ elector: current, outcome: outcome, note: data.get("note") || "" });
    closeSheet();
    showStatus();
    sync();
  });

  // What this phone recorded, and who it already knows has voted, over the page as loaded.
  var done = load(DKEY, {});
  Object.keys(done).forEach(function (id) { mark(id, done[id]); });
  hideVoted(load(VKEY, []));

  window.addEventListener("online", function () { sync(); fetchVoted(); });
  window.addEventListener("offline", showStatus);
  window.addEventListener("online", showStatus);
  setInterval(sync, 30000);
  setInterval(fetchVoted, POLL);

  showStatus();
  sync();
  fetchVoted();
})();
