// litmap report: small offline helpers (no library, no network).
// - EN switch: hide or show the English labels;
// - sortable tables (click a header), a filter box over tables marked data-filter, and pages
//   of 50 rows with prev/next for longer tables;
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
  // Long tables are shown PAGE rows at a time, with prev/next; sorting and the filter work on
  // every row and then show the first page. Without JavaScript every row stays visible.
  var PAGE = 50;
  function outer(table) {  // the scrolling box around a table (build.wrap_table), or the table
    var p = table.parentNode;
    return p && p.classList && p.classList.contains("table-wrap") ? p : table;
  }
  function pager(table) {
    var body = table.tBodies[0];
    if (body.rows.length <= PAGE) { return null; }
    var state = { page: 0 };
    var bar = document.createElement("div");
    bar.className = "pager";
    var prev = document.createElement("button");
    var next = document.createElement("button");
    var info = document.createElement("span");
    prev.type = next.type = "button";
    prev.textContent = "‹ 上一页 prev";
    next.textContent = "下一页 next ›";
    bar.appendChild(prev);
    bar.appendChild(info);
    bar.appendChild(next);
    var box = outer(table);
    box.parentNode.insertBefore(bar, box.nextSibling);
    function kept() {
      return Array.prototype.filter.call(body.rows, function (r) { return !r.hasAttribute("data-out"); });
    }
    function draw() {
      var rows = kept();
      var pages = Math.max(1, Math.ceil(rows.length / PAGE));
      state.page = Math.min(state.page, pages - 1);
      var lo = state.page * PAGE, hi = Math.min(rows.length, lo + PAGE);
      Array.prototype.forEach.call(body.rows, function (r) { r.style.display = "none"; });
      rows.slice(lo, hi).forEach(function (r) { r.style.display = ""; });
      info.textContent = (rows.length ? (lo + 1) + "–" + hi : "0") + " / " + rows.length;
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }
    prev.addEventListener("click", function () { state.page -= 1; draw(); });
    next.addEventListener("click", function () { state.page += 1; draw(); });
    draw();
    return {
      reset: function () { state.page = 0; draw(); },
      show: function (row) {  // the page holding row (a link to #id inside the table)
        var i = kept().indexOf(row);
        if (i >= 0) { state.page = Math.floor(i / PAGE); draw(); }
      }
    };
  }
  function refresh(table) {
    if (table.litmapPager) { table.litmapPager.reset(); return; }
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      r.style.display = r.hasAttribute("data-out") ? "none" : "";
    });
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
        refresh(table);
      });
    });
    if (table.hasAttribute("data-filter")) {
      var box = document.createElement("input");
      box.className = "filter";
      box.placeholder = "筛选 filter…";
      box.addEventListener("input", function () {
        var q = box.value.toLowerCase();
        Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
          if (r.textContent.toLowerCase().indexOf(q) >= 0) { r.removeAttribute("data-out"); } else { r.setAttribute("data-out", ""); }
        });
        refresh(table);
      });
      var at = outer(table);
      at.parentNode.insertBefore(box, at);
    }
    table.litmapPager = pager(table);
  });
  function showTarget() {  // a link to a row on a hidden page opens that page
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    var row = el && el.closest && el.closest("tr");
    var table = row && row.closest("table");
    if (table && table.litmapPager) { table.litmapPager.show(row); el.scrollIntoView(); }
  }
  showTarget();
  window.addEventListener("hashchange", showTarget);
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
