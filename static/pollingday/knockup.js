/* The runner's knock-up list: the doorstep app's pattern in a knock-up mode. Works with no
   signal: knocks wait in the outbox (static/js/outbox.js) and are sent when the network
   returns, on every page load and after each knock; one the server refuses is shown with its
   reason until the runner dismisses it.
   Whoever has voted since the page was loaded is hidden: on load and every minute with signal
   the page asks the server which of the list's electors have voted (ids only), and remembers
   them on the phone so a reload with no signal hides them too. */
(function () {
  "use strict";
  var root = document.getElementById("knockup");
  if (!root) return;
  var LIST = Number(root.dataset.list);
  var USER = root.dataset.user;
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
  var outbox = window.ClpOutbox({
    url: root.dataset.sync,
    csrf: root.dataset.csrf,
    user: USER,
    field: "knocks",
    queueKey: "clp.knockup.pending." + LIST,
    failedKey: "clp.knockup.failed." + LIST,
    refused: function (event) {
      var b = button(event.elector);
      return { name: b ? b.querySelector("b").textContent : "" };
    },
    changed: showStatus
  });
  var load = outbox.load, store = outbox.store;

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
    ok.addEventListener("click", function () { outbox.clearFailed(); });
    problemsEl.append(title, list, ok);
  }

  function showStatus() {
    var n = outbox.waiting().length;
    var failed = outbox.failed();
    showProblems(failed);
    var text;
    if (n) {
      text = n + (n === 1 ? " knock" : " knocks") + " waiting to sync";
      if (!navigator.onLine) text += " (no signal: they are kept safe on this phone)";
      else if (outbox.problem) text += " (" + outbox.problem + ")";
    } else if (!navigator.onLine) {
      text = "No signal. Nothing waiting to sync: what you record is kept on this phone.";
    } else {
      text = "All knocks synced.";
    }
    if (failed.length) text += " " + failed.length + " could not be saved: please tell your committee room.";
    statusEl.textContent = text;
    statusEl.dataset.pending = String(n);
  }

  function record(event) {
    event.recorded_at = new Date().toISOString();
    outbox.add([event]);
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
    outbox.sync();
  });

  // What this phone recorded, and who it already knows has voted, over the page as loaded.
  var done = load(DKEY, {});
  Object.keys(done).forEach(function (id) { mark(id, done[id]); });
  hideVoted(load(VKEY, []));

  window.addEventListener("online", fetchVoted);
  setInterval(fetchVoted, POLL);
  outbox.start();
  fetchVoted();
})();
