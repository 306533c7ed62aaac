/* The doorstep app. Works with no signal: results wait in the outbox (static/js/outbox.js) and
   are sent when the network returns, on every page load and after each result; a result the
   server refuses is shown with its reason until the canvasser dismisses it. */
(function () {
  "use strict";
  var root = document.getElementById("doorstep");
  if (!root) return;
  var LIST = Number(root.dataset.list);
  var USER = root.dataset.user;
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
  var notice = "";
  var held = 0;
  var outbox = window.ClpOutbox({
    url: root.dataset.sync,
    csrf: root.dataset.csrf,
    user: USER,
    field: "results",
    queueKey: "clp.doorstep.pending",
    failedKey: "clp.doorstep.failed",
    refused: function (event) {
      var b = event.walk_list === LIST && button(event.elector);
      return { walk_list: event.walk_list, name: b ? b.querySelector("b").textContent : "" };
    },
    answered: function (data) { held += (data.held_for_review || []).length; },
    changed: showStatus
  });
  var load = outbox.load, store = outbox.store;

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
      outbox.clearFailed(function (f) { return f.walk_list !== LIST; });
    });
    problemsEl.append(title, list, ok);
  }

  function showStatus() {
    var n = outbox.waiting().length;
    var failedHere = outbox.failed().filter(function (f) { return f.walk_list === LIST; });
    var failed = failedHere.length;
    showProblems(failedHere);
    var text;
    if (n) {
      text = n + (n === 1 ? " result" : " results") + " waiting to sync";
      if (!navigator.onLine) text += " (no signal: they are kept safe on this phone)";
      else if (outbox.problem) text += " (" + outbox.problem + ")";
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

  function record(event) {
    event.walk_list = LIST;
    event.recorded_at = new Date().toISOString();
    outbox.add([event]);
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
      outbox.sync();
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
      var unsent = outbox.waiting().filter(function (e) { return e.walk_list === LIST; }).length;
      if (unsent) {
        ev.preventDefault();
        notice = "Find a signal, then hand the list back.";
        outbox.sync();
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
    outbox.sync();
  });

  // Show what this phone recorded (some of it perhaps not yet synced) over the server's view.
  var done = load(DKEY, {});
  Object.keys(done).forEach(function (id) { mark(id, done[id][0], done[id][1]); });

  outbox.start();
})();
