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
  // The athlete's words: English here, the page's language from its #words block (the
  // build's catalogue); "{name}" marks where a value goes.
  var W = {done: "Done", this_week: "This week", now: "Now", week_of: "week {week} of {weeks}",
           week_total: "Week {number} of {total}", before: "Before you move on",
           check_this: "Check this list at the end of this week, {day}.",
           check_week: "Check this list at the end of week {week}, {day}.",
           today: "Today is {date}.", date: "{weekday} {day} {month} {year}",
           days: "Sun Mon Tue Wed Thu Fri Sat".split(" "),
           months: "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" "),
           rest: "Rest day: no session planned today.", pain: "Pain", red_flag: "Red flag today",
           note: "Note", flag_stop: "A red flag: stop and contact your clinician today.",
           pain_stop: "Pain of {stop} or more: stop and contact your clinician today.",
           download: "Download my log", share: "Share my log", run: "Run", walk: "Walk",
           pause: "Pause", resume: "Resume", of: "{n} of {total}", timer: "Start walk-run timer"};
  var words = document.getElementById("words");
  if (words) { try { Object.assign(W, JSON.parse(words.textContent)); } catch (e) { /* English */ } }
  function say(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return values[name]; });
  }

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
      // a stay a setback stepped back from says so (data-done), never "Done"
      var done = node.dataset.done;
      label.querySelector(":scope > b").after(" ", el("span", state !== "done" ? now : done || W.done,
                                                      state !== "done" ? "badge here" : done ? "badge done setback" : "badge done"));
    }
  }

  if (card && state !== card.dataset.week) {
    rows.forEach(function (row, i) { mark(row, row, i, at, W.this_week); row.classList.remove("upcoming"); });
    var here = now ? stays.indexOf(stay) : at < 0 ? -1 : stays.length;
    stays.forEach(function (s, i) { mark(s, s.querySelector("summary"), i, here, W.now); });
    card.textContent = check.textContent = "";
    card.dataset.week = state;
    if (now) {
      var own = $(stay, "li[data-start]"), head = el("p"), list = el("ul", "", "sessions");
      head.append(el("span", text(stay, "summary > b"), "badge"));
      if (own.length > 1) head.append(" " + say(W.week_of, {week: own.indexOf(now) + 1, weeks: own.length}));
      head.append(" ");
      head.append.apply(head, copies(now, ":scope > .setback, :scope > .paused, :scope > .resumed"));
      // held before a step only the clinician opens, the week shown is the step's last:
      // its dates are behind the phone's, so they are left out (the note says why)
      card.append(el("h2", W.this_week), el("p", say(W.week_total, {number: parseInt(state), total: card.dataset.weeks}) +
                                             (held ? "" : " · " + text(now, ":scope > small")), "dates"), head);
      if (held) card.append(el("p", card.dataset.holdNote, "waiting"));
      if (now.querySelector(":scope > .paused")) card.append(el("p", card.dataset.paused));
      if (now.querySelector(":scope > .resumed")) card.append(el("p", card.dataset.back));
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
        var end = text(gated, ":scope > small").split(" – ")[1];
        check.append(el("h2", W.before),
                     el("p", gated === now ? say(W.check_this, {day: end}) :
                        say(W.check_week, {week: gated.id.slice(5), day: end}), "meta"),
                     owner.querySelector(":scope > .gate").cloneNode(true));
        check.firstChild.id = "checklist-title";
      }
    } else {
      card.append(el("h2", card.dataset[state]));
      if (card.dataset[state + "Note"]) card.append(el("p", card.dataset[state + "Note"]));
    }
    check.hidden = !check.firstChild;
    card.firstChild.id = "now-title";
    // Open the how-tos this week's step brings in (or, when it brings in none, the latest
    // step's of this week's exercises); fold the rest.
    var groups = $(document, "details.stage"), ids = $(card, ".ex a").map(function (a) { return a.hash.slice(4); });
    var mine = groups.filter(function (g) { return ids.some(function (id) { return g.querySelector("#ex-" + id); }); });
    var open = stay ? mine.filter(function (g) { return g.id === "s-" + stay.id.slice(2).replace(/-\d+$/, ""); }) : [];
    if (!open.length) open = mine.slice(-1);  // one group open: the latest step's
    groups.forEach(function (stage) { stage.open = open.indexOf(stage) >= 0; });
  }
  if (card) companion();
  // A step's how-tos, opened, show their drawings: drawings.svg is fetched the first time
  // (the page inlines those open when it loads), and kept offline like this script.
  document.addEventListener("toggle", function (e) {
    if (e.target.open) $(e.target, "use[data-href]").forEach(function (use) {
      use.setAttribute("href", use.dataset.href);
    });
  }, true);
  // A link to an exercise opens its how-to (and the step it is under) before the jump.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest('a[href^="#ex-"]');
    var how = a && document.getElementById(a.hash.slice(1));
    for (var box = how; box; box = box.parentElement.closest("details")) box.open = true;
  });
  // A plan opened long after it was made may be out of date: say so.
  var stale = document.getElementById("stale");
  if (today > stale.dataset.after) stale.hidden = false;

  // Today: the sessions the plan puts on the phone's date, each to tick off, and the day's
  // pain score, red flag and note; kept on this phone only (localStorage, by athlete and plan:
  // across reloads, offline and plan updates) until the athlete downloads or shares the log.
  function companion() {
    var data = card.dataset, box = el("section"), key = "rehab-log:" + data.log, log = {};
    var head = el("h3", say(W.today, {date: say(W.date, {weekday: W.days[d.getDay()], day: d.getDate(),
                                                         month: W.months[d.getMonth()], year: d.getFullYear()})}), "today");
    box.id = "today";
    head.id = "today-title";
    box.setAttribute("aria-labelledby", head.id);
    box.append(head);
    if (now) card.querySelector(".dates").after(box); else card.append(box);
    try { log = JSON.parse(localStorage.getItem(key)) || {}; } catch (e) { /* not kept */ }
    var entry = log[today] || {};
    function save() {
      if ((entry.done || []).length || entry.pain != null || entry.note || entry.red_flag) log[today] = entry;
      else delete log[today];
      try { localStorage.setItem(key, JSON.stringify(log)); } catch (e) { /* private mode */ }
    }
    function field(tag, type, label) {
      var input = el(tag), name = el("label", label);
      input.type = type;
      if (type === "checkbox") name.prepend(input, " "); else name.append(input);
      return [name, input];
    }
    if (now) {
      // The plan's days: this week's pattern (while held, the held week's, by weekday).
      var titles = JSON.parse(data.titles), days = JSON.parse(data.days)[now.dataset.d];
      var names = days[Math.round((Date.parse(today) - Date.parse(now.dataset.start)) / 864e5) % 7]
        .map(function (i) { return titles[i]; });
      var list = box.appendChild(el("ul", "", "ticks"));
      if (!names.length) box.append(el("p", W.rest));
      names.forEach(function (name) {
        var tick = field("input", "checkbox", name);
        tick[1].checked = (entry.done || []).indexOf(name) >= 0;
        tick[1].onchange = function () {
          entry.done = (entry.done || []).filter(function (t) { return t !== name; });
          if (tick[1].checked) entry.done.push(name);
          save();
        };
        list.appendChild(el("li")).append(tick[0]);
      });
      if (now.dataset.wr) timer(now.dataset.wr.split(","));
    }
    var row = box.appendChild(el("p", "", "log")), pain = field("input", "number", W.pain + " ");
    var flag = field("input", "checkbox", W.red_flag), note = field("input", "text", W.note + " ");
    var alarm = el("div", "", "alarm"), mild = el("p", data.painAdvice, "meta");
    pain[1].min = 0;
    pain[1].max = 10;
    pain[1].placeholder = "0-10";
    pain[1].value = entry.pain == null ? "" : entry.pain;
    flag[1].checked = !!entry.red_flag;
    note[1].value = entry.note || "";
    row.append(pain[0], flag[0]);
    alarm.setAttribute("role", "alert");
    var lead = alarm.appendChild(el("p", "", "stop"));
    $(document, "#red-flags > :not(h2)").forEach(function (n) { alarm.append(n.cloneNode(true)); });
    function judge() {
      lead.textContent = entry.red_flag ? W.flag_stop : say(W.pain_stop, {stop: data.stop});
      alarm.hidden = !(entry.pain >= +data.stop || entry.red_flag);
      mild.hidden = !alarm.hidden || !(entry.pain > 0);
    }
    pain[1].oninput = function () {
      var v = parseInt(pain[1].value, 10);
      entry.pain = isNaN(v) ? null : Math.max(0, Math.min(10, v));
      save();
      judge();
    };
    pain[1].onchange = function () { pain[1].value = entry.pain == null ? "" : entry.pain; };
    flag[1].onchange = function () { entry.red_flag = flag[1].checked; save(); judge(); };
    note[1].oninput = function () { entry.note = note[1].value.trim() || null; save(); };
    judge();
    var share = el("p", "", "log"), name = "rehab-log-" + data.athlete + "-" + today + ".json";
    box.append(alarm, mild, share);
    share.append(note[0], button(W.download, download));
    // The log as the clinic's `rehab import-log` reads it.
    function file() {
      return JSON.stringify({athlete: data.athlete, plan_as_of: data.asOf, entries: Object.keys(log).sort()
        .map(function (day) {
          var e = log[day], out = {date: day, done: e.done || [], pain: e.pain == null ? null : e.pain,
                                   note: e.note || null};
          if (e.red_flag) out.red_flag = true;
          return out;
        })}, null, 1);
    }
    function download() {
      var a = el("a");
      a.href = URL.createObjectURL(new Blob([file()], {type: "application/json"}));
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
    }
    var blank = window.File && new File(["{}"], name, {type: "application/json"});
    if (navigator.canShare && blank && navigator.canShare({files: [blank]})) {
      share.append(button(W.share, function () {
        navigator.share({files: [new File([file()], name, {type: "application/json"})]})
          .catch(function (e) { if (e.name !== "AbortError") download(); });
      }));
    }
    // Walk-run intervals to "Done", timed by the clock (Date.now), not by counting ticks, so
    // a locked phone or a throttled tab keeps time; a buzz at each change, the screen kept on.
    function timer(wr) {
      var steps = [], began = 0, spent = 0, ticker, lock, last = -1, n;
      for (n = 1; n <= +wr[2]; n++) {
        steps.push([W.run, +wr[0], n]);
        if (+wr[1]) steps.push([W.walk, +wr[1], n]);
      }
      var face = el("p", "", "timer"), pause = button(W.pause, function () {
        if (began) { stop(); pause.textContent = W.resume; } else go();
      });
      face.setAttribute("role", "timer");
      face.hidden = pause.hidden = true;
      function awake(on) {
        if (on && !lock && navigator.wakeLock) {
          lock = navigator.wakeLock.request("screen").catch(function () { lock = null; });
        }
        if (!on && lock) { lock.then(function (l) { if (l) l.release(); }); lock = null; }
      }
      function show() {
        var t = (spent + (began && Date.now() - began)) / 1e3, i = 0, left;
        while (i < steps.length && t >= steps[i][1] * 60) t -= steps[i++][1] * 60;
        if (i !== last && last >= 0 && navigator.vibrate) navigator.vibrate(i < steps.length ? 400 : [400, 200, 400]);
        last = i;
        face.textContent = "";
        if (i === steps.length) {
          stop();
          pause.hidden = true;
          face.textContent = W.done;
          return;
        }
        left = Math.ceil(steps[i][1] * 60 - t);
        face.append(el("b", steps[i][0]), " " + two(Math.floor(left / 60)) + ":" + two(left % 60) + " ",
                    el("small", say(W.of, {n: steps[i][2], total: wr[2]})));
      }
      function go() {
        began = Date.now();
        ticker = setInterval(show, 250);
        pause.textContent = W.pause;
        awake(true);
        show();
      }
      function stop() {
        clearInterval(ticker);
        spent += began && Date.now() - began;
        began = 0;
        awake(false);
      }
      document.addEventListener("visibilitychange", function () {
        if (began && !document.hidden) { lock = null; awake(true); show(); }
      });
      box.append(el("p", "", "log"), face);
      box.lastChild.previousSibling.append(button(W.timer, function () {
        stop();
        spent = 0;
        last = -1;
        face.hidden = pause.hidden = false;
        go();
      }), pause);
    }
  }
  function button(label, action) {
    var b = el("button", label);
    b.type = "button";
    b.onclick = action;
    return b;
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
