/* Logging out on a phone that may be shared or lost. Before the logout form is sent, the copy
   of walk lists kept for working offline (names, numbers, previous intentions) and what this
   phone recorded and already synced are removed. Results not yet on the server are never
   dropped silently: the canvasser is warned and chooses "Send them now" or "Log out anyway"
   (they stay on this phone, without names, and are sent at their next login).
   Loaded from base.html; the script tag carries the logout and sync addresses and the user. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var LOGOUT = me.dataset.logout;
  var SYNC = me.dataset.sync;
  var USER = me.dataset.user;
  var QKEY = "clp.doorstep.pending";
  var FKEY = "clp.doorstep.failed";

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key)) || []; } catch (e) { return []; }
  }
  function mine(event) { return !event.by || String(event.by) === USER; }
  function waiting() { return load(QKEY).filter(mine); }

  // Forget what the phone holds about electors, except results still waiting to be sent.
  function forget() {
    var keys = [];
    for (var i = 0; i < localStorage.length; i++) keys.push(localStorage.key(i));
    keys.forEach(function (key) {
      if (key.indexOf("clp.doorstep.done.") === 0) localStorage.removeItem(key);
    });
    localStorage.setItem(FKEY, JSON.stringify(load(FKEY).filter(function (f) { return !mine(f); })));
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("clp-doorstep") === 0; })
        .map(function (n) { return caches.delete(n); }));
    });
  }

  function logOut(form) {
    var go = function () { form.dataset.cleared = "1"; form.submit(); };
    forget().then(go, go);
  }

  function send(form) {
    var batch = waiting().slice(0, 200);
    var token = form.querySelector("[name=csrfmiddlewaretoken]");
    return fetch(SYNC, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify({ results: batch })
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (!response.ok || !json) throw new Error("refused");
      return response.json();
    }).then(function (data) {
      var settled = {};
      data.accepted.concat(data.duplicates).forEach(function (id) { settled[id] = true; });
      var failed = load(FKEY);
      data.rejected.forEach(function (r) {
        settled[r.id] = true;
        failed.push({ id: r.id, error: r.error, by: USER });
      });
      localStorage.setItem(FKEY, JSON.stringify(failed));
      localStorage.setItem(QKEY, JSON.stringify(load(QKEY).filter(function (e) { return !settled[e.id]; })));
      return data.rejected;
    });
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function warn(form, count) {
    var box = document.getElementById("logout-warning");
    if (!box) {
      box = document.createElement("div");
      box.id = "logout-warning";
      box.className = "message message-warning logout-warning";
      box.setAttribute("role", "alert");
      (document.querySelector("main") || document.body).prepend(box);
    }
    box.textContent = "";
    var text = document.createElement("p");
    text.textContent = count + (count === 1 ? " result" : " results") +
      " recorded on this phone have not reached the server yet.";
    var status = document.createElement("p");
    status.className = "logout-status";
    box.append(text, status,
      button("Send them now, then log out", function () {
        status.textContent = "Sending…";
        send(form).then(function (rejected) {
          var left = waiting().length;
          if (left) { warn(form, left); return; }
          if (rejected.length) {
            status.textContent = rejected.length + " could not be saved: " +
              rejected.map(function (r) { return r.error; }).join(" ") +
              " Please tell your organiser.";
            box.append(button("Log out", function () { logOut(form); }));
            return;
          }
          logOut(form);
        }, function () {
          status.textContent = "Could not send them: no signal, or the server refused. " +
            "Try again where there is signal.";
        });
      }),
      button("Log out anyway (results are kept on this phone until you next log in)", function () {
        logOut(form);
      }));
    box.scrollIntoView();
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!LOGOUT || form.getAttribute("action") !== LOGOUT || form.dataset.cleared) return;
    ev.preventDefault();
    var count = waiting().length;
    if (count) warn(form, count);
    else logOut(form);
  });
})();
