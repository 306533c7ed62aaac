// The call page: follow the script's branches, show the fields that go with the outcome, and
// note when the caller dials. Without this file every step and field shows, and the server
// keeps only the answers on the path the branches give.
(function () {
  "use strict";
  var form = document.querySelector(".call-form");
  var dial = document.querySelector("[data-dialled]");
  if (dial) {
    dial.addEventListener("click", function () {
      var body = new FormData();
      body.append("lease", dial.dataset.lease);
      body.append("csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]").value);
      if (navigator.sendBeacon) navigator.sendBeacon(dial.dataset.dialled, body);
    });
  }
  // When the lease runs out the contact is no longer this caller's: take the number off the
  // screen and reload, which shows "Next contact" (the server has already moved on).
  var contact = document.querySelector("[data-lease-ends]");
  if (contact) {
    var left = Date.parse(contact.dataset.leaseEnds) - Date.now();
    window.setTimeout(function () {
      contact.querySelectorAll(".dial").forEach(function (el) { el.remove(); });
      window.location.reload();
    }, Math.max(left, 0) + 1000);
  }
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));

  function chosen(step) {
    return Array.prototype.slice
      .call(step.querySelectorAll("input:checked, textarea"))
      .map(function (input) { return input.value; })
      .filter(Boolean);
  }

  function followBranches() {
    var next = steps.length ? Number(steps[0].dataset.position) : null;
    steps.forEach(function (step) {
      var position = Number(step.dataset.position);
      var onPath = next !== null && position === next;
      step.hidden = !onPath;
      if (!onPath) return;
      next = position + 1 <= Number(steps[steps.length - 1].dataset.position) ? position + 1 : null;
      var branches = JSON.parse(step.dataset.branches || "{}");
      chosen(step).some(function (value) {
        if (!(value in branches)) return false;
        next = branches[value] === 0 ? null : branches[value];
        return true;
      });
      // Steps are numbered 1, 2, 3…: the next on the path is the first at or after `next`.
    });
  }

  function showForOutcome() {
    var outcome = form.querySelector("[name=outcome]:checked");
    form.querySelectorAll("[data-when-outcome]").forEach(function (part) {
      part.hidden = !outcome || outcome.value !== part.dataset.whenOutcome;
    });
    var spoke = outcome && outcome.value === "S";
    steps.forEach(function (step) { step.classList.toggle("not-needed", !!outcome && !spoke); });
  }

  form.addEventListener("change", function () { followBranches(); showForOutcome(); });
  followBranches();
  showForOutcome();
})();
