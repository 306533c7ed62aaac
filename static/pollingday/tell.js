/* The teller's station page. Works with no signal: each number typed waits in the outbox
   (static/js/outbox.js; kept per user and station) until the server has it, and is sent on
   load, when the signal returns, every 30 s and after each entry. Numbers the server refuses
   are shown with the reason until dismissed. The last numbers can be undone: one not yet sent is simply
   dropped; one already sent is undone by an undo event, sent (and safe to resend) the same way.
   The rules for reading a number mirror pollingday/numbers.py, so a typing slip is caught at
   once even with no signal; the server checks everything again. */
(function () {
  "use strict";
  var root = document.getElementById("tell");
  var form = document.getElementById("tell-form");
  if (!root || !form) return;
  var USER = root.dataset.user;
  var KEY = "clp.tell." + USER + "." + root.dataset.election + "." + root.dataset.station;
  var RKEY = KEY + ".recent";
  var DKEY = KEY + ".district";
  var CODES = root.dataset.codes ? root.dataset.codes.split(" ") : [];
  var ELSEWHERE = {};
  try { ELSEWHERE = JSON.parse(root.dataset.elsewhere || "{}"); } catch (e) { ELSEWHERE = {}; }
  var EXAMPLE = "Type a number, e.g. 888 or " + (CODES[0] || "CA") + "888.";
  var SHOWN = 10;
  var BATCH = 500;

  var input = document.getElementById("tell-number");
  var errorEl = document.getElementById("tell-error");
  var statusEl = document.getElementById("tell-status");
  var problemsEl = document.getElementById("tell-problems");
  var recentEl = document.getElementById("tell-recent");
  var noneEl = document.getElementById("tell-recent-none");
  var outbox = window.ClpOutbox({
    url: root.dataset.sync,
    csrf: root.dataset.csrf,
    user: USER,
    field: "entries",
    batch: BATCH,
    queueKey: KEY + ".queue",
    failedKey: KEY + ".failed",
    answered: function (data, batch, settled) {
      var numbers = data.numbers || {};
      data.accepted.concat(data.duplicates).forEach(function (id) {
        var changes = { state: "sent", words: "" };
        if (numbers[id]) changes.number = numbers[id];
        setRecent(id, changes);
      });
      data.repeats.forEach(function (r) {
        settled[r.id] = true;
        setRecent(r.id, { state: "repeat", number: r.number, words: "already marked at " + r.at });
      });
      (data.undone || []).forEach(function (id) {
        settled[id] = true;
        var event = batch.filter(function (e) { return e.id === id; })[0];
        if (event) setRecent(event.undo, { state: "undone", words: "" });
      });
      showTally(data.station);
    },
    refused: function (event, rejection) {
      setRecent(rejection.id, { state: "refused", words: "not taken: " + rejection.error });
      return { number: event.text || "" };
    },
    changed: function () { showRecent(); showStatus(); }
  });
  var load = outbox.load, store = outbox.store;

  function chosenDistrict() {
    var checked = form.querySelector('input[name="district"]:checked') ||
      form.querySelector('input[name="district"][type="hidden"]');
    return checked ? checked.value : "";
  }

  // --- reading what was typed (as pollingday/numbers.py) ---------------------------------
  function digits(number, suffix, shown) {
    if (number.length > 6 || (suffix && suffix.length > 3)) {
      throw new Error("“" + shown + "” is too long for an elector number. " + EXAMPLE);
    }
    if (Number(number) === 0) throw new Error("“" + shown + "”: elector numbers start at 1. " + EXAMPLE);
    return [Number(number), suffix ? Number(suffix) : 0];
  }
  function shownAs(code, ns) { return code + "-" + ns[0] + (ns[1] ? "/" + ns[1] : ""); }

  function parse(text) {
    var shown = text.trim();
    var cleaned = text.replace(/\s+/g, "").toUpperCase();
    if (!cleaned) throw new Error(EXAMPLE);
    var bare = /^(\d+)(?:[\/.](\d+))?$/.exec(cleaned);
    if (bare) {
      var ns = digits(bare[1], bare[2], shown);
      var chosen = CODES.length === 1 ? CODES[0] : chosenDistrict();
      if (CODES.indexOf(chosen) < 0) throw new Error("Choose the district first.");
      return shownAs(chosen, ns);
    }
    var codes = CODES.slice().sort(function (a, b) { return b.length - a.length; });
    for (var i = 0; i < codes.length; i++) {
      if (cleaned.indexOf(codes[i]) === 0) {
        var rest = /^[-\/.]?(\d+)(?:[\/.](\d+))?$/.exec(cleaned.slice(codes[i].length));
        if (rest) return shownAs(codes[i], digits(rest[1], rest[2], shown));
      }
    }
    var m = /^([A-Z][A-Z0-9]*?)[-\/.]?(\d+)(?:[\/.](\d+))?$/.exec(cleaned);
    if (!m) throw new Error("“" + shown + "” is not an elector number. " + EXAMPLE);
    digits(m[2], m[3], shown);
    var here = CODES.join(", ");
    if (ELSEWHERE[m[1]]) {
      throw new Error(m[1] + " is not a district at this station: it votes at " + ELSEWHERE[m[1]] + ". Here: " + here + ".");
    }
    throw new Error(m[1] + " is not a district at this station. Here: " + here + ".");
  }

  function splitBatch(text) {
    var numbers = [];
    text.split(/[\n\r,;\t]+/).forEach(function (piece) {
      var pending = "";
      piece.split(/\s+/).forEach(function (word) {
        if (!word) return;
        if (pending) { word = pending + word; pending = ""; }
        if (!/\d/.test(word) || /[-\/.]$/.test(word)) { pending = word; return; }
        numbers.push(word);
      });
      if (pending) numbers.push(pending);
    });
    return numbers;
  }

  // --- the last numbers, with undo ---------------------------------------------------------
  var STATES = {
    waiting: "waiting to send",
    sent: "sent",
    undone: "undone",
    undoing: "undone (waiting to send)"
  };

  function recent() { return load(RKEY, []); }
  function setRecent(id, changes) {
    var list = recent();
    list.forEach(function (r) { if (r.id === id) Object.keys(changes).forEach(function (k) { r[k] = changes[k]; }); });
    store(RKEY, list);
  }

  function showRecent() {
    var list = recent().slice(-SHOWN).reverse();
    recentEl.textContent = "";
    noneEl.hidden = list.length > 0;
    list.forEach(function (r) {
      var item = document.createElement("li");
      item.dataset.state = r.state;
      var number = document.createElement("b");
      number.textContent = r.number;
      var state = document.createElement("span");
      state.textContent = r.words || STATES[r.state] || r.state;
      item.append(number, state);
      if (r.state === "waiting" || r.state === "sent") {
        var undo = document.createElement("button");
        undo.type = "button";
        undo.className = "button secondary";
        undo.dataset.undo = r.id;
        undo.textContent = "Undo";
        undo.setAttribute("aria-label", "Undo " + r.number);
        item.append(undo);
      }
      recentEl.append(item);
    });
  }

  function undo(id) {
    if (outbox.remove(id)) {
      setRecent(id, { state: "undone", words: "" });
    } else {
      outbox.add([{ undo: id, told_at: new Date().toISOString() }]);
      setRecent(id, { state: "undoing", words: "" });
    }
    outbox.sync();
  }

  recentEl.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-undo]");
    if (b) undo(b.dataset.undo);
  });

  // --- status and refused numbers ----------------------------------------------------------
  function showProblems() {
    var failed = outbox.failed();
    problemsEl.textContent = "";
    problemsEl.hidden = !failed.length;
    if (!failed.length) return;
    var title = document.createElement("p");
    title.textContent = "Not taken:";
    var list = document.createElement("ul");
    failed.forEach(function (f) {
      var item = document.createElement("li");
      item.textContent = (f.number ? f.number + ": " : "") + f.error;
      list.append(item);
    });
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "button secondary";
    ok.textContent = "Seen: clear these";
    ok.addEventListener("click", function () { outbox.clearFailed(); });
    problemsEl.append(title, list, ok);
  }

  function showStatus() {
    var queue = outbox.waiting();
    var n = queue.filter(function (e) { return !e.undo; }).length;
    var u = queue.length - n;
    var text;
    if (n || u) {
      var parts = [];
      if (n) parts.push(n + (n === 1 ? " number" : " numbers"));
      if (u) parts.push(u + (u === 1 ? " undo" : " undos"));
      text = parts.join(" and ") + " waiting to send";
      if (!navigator.onLine) text = "No signal: " + text + ". They are kept on this phone.";
      else if (outbox.problem) text += " (" + outbox.problem + ")";
      else text += "…";
    } else if (!navigator.onLine) {
      text = "No signal: keep taking numbers, they are kept on this phone.";
    } else {
      text = "All numbers sent.";
    }
    statusEl.textContent = text;
    statusEl.dataset.pending = String(n);
    showProblems();
  }

  function showTally(station) {
    if (!station) return;
    document.getElementById("tally-count").textContent = station.count;
    document.getElementById("tally-last").textContent = station.last ? "last at " + station.last : "none yet";
  }

  // --- taking numbers ------------------------------------------------------------------------
  function take(texts) {
    var events = [];
    var list = recent();
    var refused = [];
    var district = chosenDistrict();
    texts.forEach(function (text) {
      var number;
      try { number = parse(text); } catch (err) { refused.push(err.message); return; }
      var event = { id: outbox.newId(), text: text, district: district, told_at: new Date().toISOString() };
      events.push(event);
      list.push({ id: event.id, number: number, state: "waiting" });
    });
    outbox.add(events);
    store(RKEY, list.slice(-50));
    errorEl.textContent = refused.join(" ");
    outbox.sync();
    return refused.length === 0;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var texts = splitBatch(input.value);
    if (!texts.length) { errorEl.textContent = EXAMPLE; input.focus(); return; }
    if (take(texts)) input.value = "";
    input.focus();
  });

  document.getElementById("tell-batch-add").addEventListener("click", function () {
    var box = document.getElementById("tell-batch");
    var texts = splitBatch(box.value);
    if (!texts.length) { errorEl.textContent = "Paste some numbers first."; return; }
    take(texts);
    box.value = "";
  });

  var letters = document.getElementById("tell-letters");
  letters.addEventListener("click", function () {
    var on = input.getAttribute("inputmode") === "numeric";
    input.setAttribute("inputmode", on ? "text" : "numeric");
    letters.setAttribute("aria-pressed", on ? "true" : "false");
    letters.textContent = on ? "Keyboard with numbers" : "Keyboard with letters";
    input.blur();
    input.focus();
  });

  // The district for bare numbers, remembered on this phone.
  var remembered = localStorage.getItem(DKEY);
  form.querySelectorAll('input[name="district"][type="radio"]').forEach(function (radio) {
    if (radio.value === remembered) radio.checked = true;
    radio.addEventListener("change", function () { localStorage.setItem(DKEY, radio.value); });
  });

  // --- lookup (needs signal) -----------------------------------------------------------------
  var lookupForm = document.getElementById("lookup-form");
  var lookupResults = document.getElementById("lookup-results");
  var NO_SIGNAL = "Lookup needs signal, and there is none just now. Ask the voter for the " +
    "number on their poll card, or try again when the signal returns.";
  lookupForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!navigator.onLine) { lookupResults.textContent = NO_SIGNAL; return; }
    var params = new URLSearchParams(new FormData(lookupForm));
    lookupResults.textContent = "Looking…";
    fetch(lookupForm.action + "?" + params.toString(), {
      credentials: "same-origin", headers: { "HX-Request": "true" }
    })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("failed");
        return response.text();
      })
      .then(function (html) { lookupResults.innerHTML = html; })
      .catch(function () { lookupResults.textContent = navigator.onLine ? "Lookup failed: try again." : NO_SIGNAL; });
  });
  lookupResults.addEventListener("click", function (ev) {
    var hit = ev.target.closest("[data-number]");
    if (!hit) return;
    take([hit.dataset.number]);
    lookupResults.textContent = "";
    lookupForm.reset();
    input.focus();
  });

  outbox.start();
})();
