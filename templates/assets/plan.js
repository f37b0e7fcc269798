// "This week" by the phone's own date (the page may be weeks old), then offline support.
// Without this script the page shows the build date's week; everything stays readable.
(function () {
  "use strict";
  var $ = function (root, css) { return Array.prototype.slice.call(root.querySelectorAll(css)); };
  var two = function (n) { return (n < 10 ? "0" : "") + n; };
  var d = new Date();
  var today = d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  var card = document.getElementById("this-week");
  var rows = $(document, "li[data-start]");
  var phases = $(document, "details.phase");

  // The one thing worked out here: which week the phone's date falls in (weeks follow each
  // other; the last one says its end). Everything shown is read from the page the plan wrote.
  var at = rows.filter(function (row) { return row.dataset.start <= today; }).length - 1;
  var last = rows[rows.length - 1];
  if (at === rows.length - 1 && last && last.dataset.end < today) at = rows.length;
  // A step only the clinician opens is never this week before it is recorded: hold before it.
  var hold = card && +card.dataset.hold || rows.length + 1, held = at >= hold - 1;
  if (held) at = hold - 2;
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    node.textContent = text || "";
    if (cls) node.className = cls;
    return node;
  }
  // The same classes and badges the build writes for its own date.
  function mark(node, label, state, now) {
    var old = label.querySelector(":scope > .badge:not(.setback):not(.paused)");
    if (old) old.remove();
    node.classList.remove("done", "current", "upcoming");
    node.classList.add(state);
    if (state !== "upcoming") {
      label.querySelector(":scope > b").after(" ", el("span", state === "done" ? "Done" : now,
                                                      state === "done" ? "badge done" : "badge"));
    }
  }
  function place(i, here) { return i < here ? "done" : i === here ? "current" : "upcoming"; }

  var now = rows[at];
  var state = now ? now.id.slice(5) + (held ? "h" : "") : at < 0 ? "before" : "after";
  if (card && state !== card.dataset.week) {
    rows.forEach(function (row, i) { mark(row, row, place(i, at), "This week"); });
    var phaseAt = now ? phases.indexOf(now.closest("details.phase")) : at < 0 ? -1 : phases.length;
    phases.forEach(function (phase, i) {
      var st = place(i, phaseAt);
      mark(phase, phase.querySelector("summary"), st, "Now");
      phase.open = st === "current";
    });
    card.textContent = "";
    card.dataset.week = state;
    if (now) {
      var phase = now.closest("details.phase");
      var own = $(phase, "li[data-start]");
      var head = el("p");
      head.append(el("span", phase.querySelector("summary > b").textContent, "badge"));
      if (own.length > 1) head.append(" week " + (own.indexOf(now) + 1) + " of " + own.length);
      card.append(el("h2", "This week · week " + parseInt(state) + " of " + card.dataset.weeks),
                  el("p", now.querySelector(".when").textContent, "dates"), head);
      if (held) card.append(el("p", card.dataset.holdNote, "waiting"));
      // What changes this week, its how-to, then what every week of the phase has.
      [":scope > ul > li", ":scope > .how", ":scope > .routine > li"].forEach(function (css, i) {
        var found = $(i === 0 ? now : phase, css);
        var into = i === 1 || !found.length ? card : card.appendChild(el("ul", "", "sessions"));
        found.forEach(function (node) { into.append(node.cloneNode(true)); });
      });
      var gated = rows.slice(at).filter(function (r) { return r.hasAttribute("data-gate"); })[0];
      if (gated) {
        var owner = gated.closest("details.phase");
        owner = owner.dataset.gateIn ? document.getElementById(owner.dataset.gateIn) : owner;
        card.append(owner.querySelector(":scope > .gate").cloneNode(true),
                    el("p", "Check this list at the end of " +
                       (gated === now ? "this week" : "week " + gated.id.slice(5)) + ", " +
                       gated.querySelector(".when").textContent.split(" – ")[1] + ".", "meta"));
      }
      var more = el("a", "This phase, week by week"), line = el("p");
      more.href = "#" + phase.id;
      line.append(more);
      card.append(line);
    } else {
      card.append(el("h2", card.dataset[state]));
      if (card.dataset[state + "Note"]) card.append(el("p", card.dataset[state + "Note"]));
    }
    card.firstChild.id = "now-title";
  }

  // Offline: the service worker keeps this page, its handout and calendar on the phone.
  // Browsers allow it only over https or on localhost; its scope is this athlete's folder.
  if ("serviceWorker" in navigator && window.isSecureContext && /^https?:$/.test(location.protocol)) {
    navigator.serviceWorker.register("sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      document.querySelector(".offline").hidden = false;
    }).catch(function () { /* no offline copy: the page still works online */ });
  }
})();
