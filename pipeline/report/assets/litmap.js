// litmap report: small offline helpers (no library, no network).
// - EN switch: hide or show the English labels;
// - sortable tables (click a header) and a filter box over tables marked data-filter;
// - networks: hovering a node highlights it and its neighbours (edges carry data-a / data-b).
(function () {
  "use strict";
  var toggle = document.getElementById("lang-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () { document.body.classList.toggle("zh-only"); });
  }
  function cellValue(row, i) {
    var c = row.cells[i];
    return c ? c.textContent.trim() : "";
  }
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
    var head = table.tHead;
    if (!head || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(head.rows[0].cells, function (th, i) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var asc = th.getAttribute("data-sort") !== "asc";
        rows.sort(function (a, b) {
          var x = cellValue(a, i), y = cellValue(b, i);
          var nx = parseFloat(x), ny = parseFloat(y);
          var r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "zh");
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        th.setAttribute("data-sort", asc ? "asc" : "desc");
      });
    });
    if (table.hasAttribute("data-filter")) {
      var box = document.createElement("input");
      box.className = "filter";
      box.placeholder = "筛选 filter…";
      box.addEventListener("input", function () {
        var q = box.value.toLowerCase();
        Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
          r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
        });
      });
      table.parentNode.insertBefore(box, table);
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("svg.net"), function (svg) {
    var edges = svg.querySelectorAll("line[data-a]");
    var nodes = svg.querySelectorAll("g.node");
    function light(id) {
      var near = {};
      near[id] = true;
      Array.prototype.forEach.call(edges, function (e) {
        var a = e.getAttribute("data-a"), b = e.getAttribute("data-b");
        var hot = a === id || b === id;
        if (hot) { near[a] = true; near[b] = true; }
        e.classList.toggle("hot", hot);
        e.classList.toggle("dim", !hot);
      });
      Array.prototype.forEach.call(nodes, function (n) {
        n.classList.toggle("dim", !near[n.getAttribute("data-id")]);
      });
    }
    function reset() {
      Array.prototype.forEach.call(edges, function (e) { e.classList.remove("hot", "dim"); });
      Array.prototype.forEach.call(nodes, function (n) { n.classList.remove("dim"); });
    }
    Array.prototype.forEach.call(nodes, function (n) {
      n.addEventListener("mouseenter", function () { light(n.getAttribute("data-id")); });
      n.addEventListener("mouseleave", reset);
      n.addEventListener("focusin", function () { light(n.getAttribute("data-id")); });
      n.addEventListener("focusout", reset);
    });
  });
}());
