/* The doorstep app. Works with no signal: results wait in localStorage and are sent when the
   network returns, on every page load and after each result. Each result has its own id, so
   sending it twice never stores it twice. A result the server refuses is shown with its reason
   until the canvasser dismisses it; it is not sent again. Each result carries the id of the
   user who recorded it, so on a shared phone nobody sends another's results as their own. */
(function () {
  "use strict";
  var root = document.getElementById("doorstep");
  if (!root) return;
  var LIST = Number(root.dataset.list);
  var USER = root.dataset.user;
  var QKEY = "clp.doorstep.pending";
  var FKEY = "clp.doorstep.failed";
  var DKEY = "clp.doorstep.done." + LIST;
  var CACHE = "clp-doorstep-v1";
  // Words for the codes, read from the record sheet: a mark says "Spoke to them · Labour".
  var WORDS = {};
  document.querySelectorAll('#rec input[name="outcome"], #rec input[name="intention"]').forEach(function (input) {
    WORDS[input.value] = input.parentNode.textContent.trim();
  });
  var statusEl = document.getElementById("sync-status");
  var problemsEl = document.getElementById("sync-problems");
  var sheet = document.getElementById("rec");
  var errorEl = document.getElementById("rec-error");
  var current = null;
  var syncing = false;
  var problem = "";
  var notice = "";
  var held = 0;

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

  function mark(id, outcome, intention) {
    var b = button(id);
    if (!b) return;
    b.dataset.o = outcome;
    b.querySelector("i").textContent = (WORDS[outcome] || outcome) +
      (intention ? " · " + (WORDS[intention] || intention) : "");
  }

  // Results the server refused, each with its reason, until the canvasser has seen them.
  function showProblems(failed) {
    problemsEl.textContent = "";
    problemsEl.hidden = !failed.length;
    if (!failed.length) return;
    var title = document.createElement("p");
    title.textContent = "Not saved (please tell your organiser):";
    var list = document.createElement("ul");
    failed.forEach(function (f) {
      var item = document.createElement("li");
      item.textContent = (f.name ? f.name + ": " : "") + f.error;
      list.append(item);
    });
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "button secondary";
    ok.textContent = "I have told my organiser";
    ok.addEventListener("click", function () {
      store(FKEY, load(FKEY, []).filter(function (f) { return f.walk_list !== LIST || !mine(f); }));
      showStatus();
    });
    problemsEl.append(title, list, ok);
  }

  function showStatus() {
    var n = waiting().length;
    var failedHere = load(FKEY, []).filter(function (f) { return f.walk_list === LIST && mine(f); });
    var failed = failedHere.length;
    showProblems(failedHere);
    var text;
    if (n) {
      text = n + (n === 1 ? " result" : " results") + " waiting to sync";
      if (!navigator.onLine) text += " (no signal: they are kept safe on this phone)";
      else if (problem) text += " (" + problem + ")";
      if (notice) text += ". " + notice;
    } else if (!navigator.onLine) {
      text = "No signal. Nothing waiting to sync: what you record is kept on this phone.";
      notice = "";
    } else {
      text = "All results synced.";
      notice = "";
    }
    if (failed) text += " " + failed + " could not be saved: please tell your organiser.";
    if (held) text += " " + held + " sent after the list was taken back: an organiser will check them.";
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
      body: JSON.stringify({ results: batch })
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
        var b = event.walk_list === LIST && button(event.elector);
        failed.push({
          id: r.id, walk_list: event.walk_list, error: r.error, by: USER,
          name: b ? b.querySelector("b").textContent : ""
        });
      });
      store(FKEY, failed);
      held += (data.held_for_review || []).length;
      store(QKEY, load(QKEY, []).filter(function (e) { return !settled[e.id]; }));
      problem = "";
      progressed = batch.length > 0;
    }).catch(function (err) {
      var message = (err && err.message) || "";
      problem = message.indexOf("log in") === 0 || message.indexOf("the server said") === 0 ? message : "";
    }).then(function () {
      syncing = false;
      showStatus();
      if (progressed && load(QKEY, []).length) sync();
    });
  }

  function record(event) {
    event.id = newId();
    event.walk_list = LIST;
    event.recorded_at = new Date().toISOString();
    event.by = USER;
    var queue = load(QKEY, []);
    queue.push(event);
    store(QKEY, queue);
    var done = load(DKEY, {});
    done[event.elector] = [event.outcome, event.intention || ""];
    store(DKEY, done);
    mark(event.elector, event.outcome, event.intention);
  }

  function openSheet(id) {
    current = id;
    sheet.reset();
    errorEl.textContent = "";
    sheet.classList.remove("spoke");
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
    if (el) { openSheet(Number(el.dataset.e)); return; }
    var ni = ev.target.closest("[data-ni]");
    if (ni) {
      var household = ni.closest(".hh");
      var count = 0;
      household.querySelectorAll(".el").forEach(function (b) {
        if (b.dataset.o && b.dataset.o !== "NI") return;  // someone there already answered
        record({ elector: Number(b.dataset.e), outcome: "NI" });
        count++;
      });
      ni.textContent = count ? "Nobody in: recorded" : "Everyone here already recorded";
      showStatus();
      sync();
    }
  });

  sheet.addEventListener("change", function (ev) {
    if (ev.target.name === "outcome") sheet.classList.toggle("spoke", ev.target.value === "S");
  });

  sheet.querySelector("[data-cancel]").addEventListener("click", closeSheet);
  sheet.addEventListener("keydown", function (ev) { if (ev.key === "Escape") closeSheet(); });

  // Handing the list back: only once everything has reached the server, and then the copy on
  // the phone (names and all) is removed.
  var handBack = document.querySelector(".ds-return");
  if (handBack) {
    handBack.addEventListener("submit", function (ev) {
      var unsent = waiting().filter(function (e) { return e.walk_list === LIST; }).length;
      if (unsent) {
        ev.preventDefault();
        notice = "Find a signal, then hand the list back.";
        showStatus();
        sync();
        return;
      }
      localStorage.removeItem(DKEY);
      if (!window.caches || handBack.dataset.cleared) return;
      ev.preventDefault();
      var send = function () { handBack.dataset.cleared = "1"; handBack.submit(); };
      caches.open(CACHE).then(function (cache) { return cache.delete(location.pathname); })
        .then(send, send);
    });
  }

  sheet.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var data = new FormData(sheet);
    var outcome = data.get("outcome");
    if (!outcome) { errorEl.textContent = "Choose what happened at the door."; return; }
    var spoke = outcome === "S";
    var answers = {};
    if (spoke) {
      sheet.querySelectorAll("fieldset[data-q]").forEach(function (fs) {
        var name = "q" + fs.dataset.q;
        var value = fs.dataset.k === "multiple" ? data.getAll(name) : data.get(name);
        if (value && value.length) answers[fs.dataset.q] = value;
      });
    }
    record({
      elector: current,
      outcome: outcome,
      intention: spoke ? data.get("intention") || "" : "",
      strength: spoke ? data.get("strength") || null : null,
      answers: answers,
      issues: spoke ? data.get("issues") || "" : "",
      wants_postal_vote: spoke && data.get("wants_postal_vote") === "on",
      wants_to_volunteer: spoke && data.get("wants_to_volunteer") === "on",
      poster: spoke ? data.get("poster") || "" : "",
      note: data.get("note") || ""
    });
    closeSheet();
    showStatus();
    sync();
  });

  // Show what this phone recorded (some of it perhaps not yet synced) over the server's view.
  var done = load(DKEY, {});
  Object.keys(done).forEach(function (id) { mark(id, done[id][0], done[id][1]); });

  window.addEventListener("online", sync);
  window.addEventListener("offline", showStatus);
  window.addEventListener("online", showStatus);
  setInterval(sync, 30000);

  showStatus();
  sync();
})();
