// The dashboard's order and filters: the file reads the same without this script.
(function () {
  var table = document.getElementById("athletes");
  var protocol = document.getElementById("f-protocol");
  var flag = document.getElementById("f-flag");
  var order = document.getElementById("f-order");
  var shown = document.getElementById("shown");
  var rows = Array.prototype.slice.call(table.tBodies);
  var keys = {
    rank: function (r) { return [Number(r.dataset.rank), r.dataset.gate || "~"]; },
    gate: function (r) { return [r.dataset.gate || "~"]; },
    name: function (r) { return [r.dataset.name.toLowerCase()]; },
    log: function (r) { return [r.dataset.log || "~"]; },
    pain: function (r) { return [r.dataset.pain === "" ? 1 : -Number(r.dataset.pain)]; }
  };
  function compare(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) { return -1; }
      if (a[i] > b[i]) { return 1; }
    }
    return 0;
  }
  function update() {
    var key = keys[order.value];
    rows.sort(function (a, b) {
      return compare(key(a), key(b)) || compare([a.dataset.id], [b.dataset.id]);
    });
    var count = 0;
    rows.forEach(function (row) {
      var groups = row.dataset.flags ? row.dataset.flags.split("|") : [];
      var show = (!protocol.value || row.dataset.protocol === protocol.value) &&
        (!flag.value || (flag.value === "*" ? groups.length > 0 : groups.indexOf(flag.value) >= 0));
      row.hidden = !show;
      count += show ? 1 : 0;
      table.appendChild(row);
    });
    shown.textContent = count + " of " + rows.length + " athletes shown";
  }
  [protocol, flag, order].forEach(function (select) { select.addEventListener("change", update); });
  document.getElementById("controls").hidden = false;
  update();
}());
