// "This week" by the phone's own date (the page may be weeks old), then offline support.
// Without this script the page shows the build date's week; everything stays readable.
(function () {
  "use strict";
  var $ = function (root, css) { return Array.prototype.slice.call(root.querySelectorAll(css)); };
  var two = function (n) { return (n < 10 ? "0" : "") + n; };
  var d = new Date();
  var today = d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  var card = document.getElementById("this-week");
  var check = document.getElementById("checklist");
  var rows = $(document, "li[data-start]");
  var stays = $(document, "details.step");

  // The one thing worked out here: which week the phone's date falls in (weeks follow each
  // other; the last one says its end). Everything shown is read from the page the plan wrote.
  var at = rows.filter(function (row) { return row.dataset.start <= today; }).length - 1;
  var last = rows[rows.length - 1];
  if (at === rows.length - 1 && last && last.dataset.end < today) at = rows.length;
  // A step only the clinician opens is never this week before it is recorded: hold before it.
  var hold = card && +card.dataset.hold || rows.length + 1, held = at >= hold - 1;
  if (held) at = hold - 2;
  var now = rows[at];
  var stay = now && now.closest("details.step");
  var state = now ? now.id.slice(5) + (held ? "h" : "") : at < 0 ? "before" : "after";
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    node.textContent = text || "";
    if (cls) node.className = cls;
    return node;
  }
  function text(root, css) { return root.querySelector(css).textContent; }
  function copies(root, css) {
    return $(root, css).map(function (node) { return node.cloneNode(true); });
  }
  // The same classes and badges the build writes for its own date.
  function mark(node, label, i, here, now) {
    var old = label.querySelector(":scope > .here, :scope > .done");
    var state = i < here ? "done" : i === here ? "current" : "upcoming";
    if (old) old.remove();
    node.classList.remove("done", "current", "upcoming");
    node.classList.add(state);
    if (state !== "upcoming") {
      label.querySelector(":scope > b").after(" ", el("span", state === "done" ? "Done" : now,
                                                      "badge " + (state === "done" ? "done" : "here")));
    }
  }

  if (card && state !== card.dataset.week) {
    rows.forEach(function (row, i) { mark(row, row, i, at, "This week"); row.classList.remove("upcoming"); });
    var here = now ? stays.indexOf(stay) : at < 0 ? -1 : stays.length;
    stays.forEach(function (s, i) { mark(s, s.querySelector("summary"), i, here, "Now"); });
    card.textContent = check.textContent = "";
    card.dataset.week = state;
    if (now) {
      var own = $(stay, "li[data-start]"), head = el("p"), list = el("ul", "", "sessions");
      head.append(el("span", text(stay, "summary > b"), "badge"));
      if (own.length > 1) head.append(" week " + (own.indexOf(now) + 1) + " of " + own.length);
      head.append(" ");
      head.append.apply(head, copies(now, ":scope > .setback, :scope > .paused"));
      card.append(el("h2", "This week"), el("p", "Week " + parseInt(state) + " of " +
                                             card.dataset.weeks + " · " + text(now, ":scope > small"),
                                             "dates"), head);
      if (held) card.append(el("p", card.dataset.holdNote, "waiting"));
      if (now.querySelector(":scope > .paused")) card.append(el("p", card.dataset.paused));
      if (now.querySelector(":scope > .setback")) card.append(el("p", card.dataset.setback));
      card.append.apply(card, copies(now, ":scope > .events"));
      // What changes this week, then what every week of the step has: one line each, with
      // how often and how from the step's note, and the exercises as tap rows.
      copies(now, ":scope > p").forEach(function (p) {
        var line = el("li"), title = text(p, "b");
        var how = $(stay, ":scope > .how").filter(function (note) { return note.dataset.for === title; })[0];
        line.append.apply(line, Array.prototype.slice.call(p.childNodes));
        if (how) line.append.apply(line, [", " + text(how, "span"), " "].concat(copies(how, "small")));
        list.append(line);
      });
      copies(stay, ".routine > li").forEach(function (line) {
        $(line, ".names").forEach(function (names) { names.remove(); });
        if (line.dataset.ex) {
          var ex = line.appendChild(el("ul", "", "ex"));
          line.dataset.ex.split(" ").forEach(function (id) {
            var how = document.getElementById("ex-" + id);
            var a = el("a", text(how, "h3") + " · " + text(how, ".dose"));
            a.href = "#ex-" + id;
            ex.appendChild(el("li")).append(a);
          });
        }
        list.append(line);
      });
      card.append(list);
      var gated = rows.slice(at).filter(function (r) { return r.hasAttribute("data-gate"); })[0];
      if (gated) {
        // A step whose checklist is an earlier step's shows it there.
        var owner = gated.closest("details.step");
        owner = owner.dataset.gateIn ? document.getElementById(owner.dataset.gateIn) : owner;
        check.append(el("h2", "Before you move on"),
                     el("p", "Check this list at the end of " + (gated === now ? "this week" :
                        "week " + gated.id.slice(5)) + ", " + text(gated, ":scope > small").split(" – ")[1] +
                        ".", "meta"), owner.querySelector(":scope > .gate").cloneNode(true));
        check.firstChild.id = "checklist-title";
      }
    } else {
      card.append(el("h2", card.dataset[state]));
      if (card.dataset[state + "Note"]) card.append(el("p", card.dataset[state + "Note"]));
    }
    check.hidden = !check.firstChild;
    card.firstChild.id = "now-title";
    // Open the how-tos of this week's exercises and of the next step's; fold the rest.
    var next = stays[stays.indexOf(stay) + 1];
    var ids = $(card, ".ex a").map(function (a) { return a.hash.slice(4); });
    if (stay && next) $(next, ".routine > li").forEach(function (li) { ids = ids.concat((li.dataset.ex || "").split(" ")); });
    $(document, "details.stage").forEach(function (stage) {
      stage.open = ids.some(function (id) { return id && stage.querySelector("#ex-" + id); });
    });
  }
  if (now) {
    card.querySelector(".dates").after(el("p", "Today is " + "Sun Mon Tue Wed Thu Fri Sat".split(" ")[d.getDay()] +
      " " + d.getDate() + " " + "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ")[d.getMonth()] +
      " " + d.getFullYear() + ".", "today"));
  }
  // A plan opened long after it was made may be out of date: say so.
  var stale = document.getElementById("stale");
  if (today > stale.dataset.after) stale.hidden = false;

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
