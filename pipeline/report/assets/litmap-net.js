// litmap report: figures (no library, no network; works from file://).
// - year filter: every svg carrying data-years (a network) gets two sliders, from and to; a node
//   or edge whose years (data-years) miss the range is hidden, an edge also when an end is hidden;
//   elements without years (undated) stay;
// - save: every svg carrying data-save gets two buttons, SVG (the markup, serialized) and PNG
//   (drawn onto a canvas at twice the size, on white). The fonts are written on the svg itself
//   (font-family), so a saved file draws its CJK labels without the page's stylesheet.
// window.litmapNet.filter(svg, from, to) applies a range and returns the number of nodes shown.
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function years(el) {
    var v = el.getAttribute("data-years");
    return v ? v.split(" ").map(Number) : null;
  }

  function inRange(ys, lo, hi) {
    if (!ys) { return true; }
    for (var i = 0; i < ys.length; i++) { if (ys[i] >= lo && ys[i] <= hi) { return true; } }
    return false;
  }

  function filter(svg, lo, hi) {
    var shown = {}, count = 0;
    each(svg.querySelectorAll("g.node"), function (g) {
      var ok = inRange(years(g), lo, hi);
      g.style.display = ok ? "" : "none";
      if (ok) { shown[g.getAttribute("data-id")] = true; count++; }
    });
    each(svg.querySelectorAll("line[data-a]"), function (e) {
      var ok = inRange(years(e), lo, hi) && shown[e.getAttribute("data-a")] && shown[e.getAttribute("data-b")];
      e.style.display = ok ? "" : "none";
    });
    svg.setAttribute("data-range", lo + "-" + hi);
    return count;
  }

  function yearControl(svg) {
    var ys = years(svg);
    if (!ys || ys.length < 2) { return; }
    var lo = ys[0], hi = ys[ys.length - 1];
    var box = document.createElement("div");
    box.className = "yearfilter";
    var label = document.createElement("span");
    var from = document.createElement("input"), to = document.createElement("input");
    [from, to].forEach(function (r, i) {
      r.type = "range"; r.min = lo; r.max = hi; r.step = 1; r.value = i ? hi : lo;
      r.className = i ? "y-to" : "y-from";
      r.setAttribute("aria-label", i ? "to year 至" : "from year 自");
    });
    function update(ev) {
      var a = Number(from.value), b = Number(to.value);
      if (a > b) { if (ev && ev.target === from) { to.value = a; b = a; } else { from.value = b; a = b; } }
      var n = filter(svg, a, b);
      label.textContent = "年份 years " + a + "–" + b + " · " + n + " 个节点 nodes";
    }
    from.addEventListener("input", update);
    to.addEventListener("input", update);
    box.appendChild(document.createTextNode("自 from "));
    box.appendChild(from);
    box.appendChild(document.createTextNode(" 至 to "));
    box.appendChild(to);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(label);
    svg.parentNode.insertBefore(box, svg);
    update();
  }

  function serialize(svg) {
    var copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("xmlns:xlink", "http://www.w3.org/1999/xlink");
    copy.setAttribute("font-family", getComputedStyle(svg).fontFamily || svg.getAttribute("font-family") || "sans-serif");
    each(copy.querySelectorAll(".dim, .hot"), function (el) { el.classList.remove("dim", "hot"); });
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
  }

  function download(href, name) {
    var a = document.createElement("a");
    a.href = href;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function size(svg) {
    var vb = svg.viewBox && svg.viewBox.baseVal;
    return vb && vb.width ? [vb.width, vb.height] : [svg.width.baseVal.value, svg.height.baseVal.value];
  }

  function saveSvg(svg, name) {
    var url = URL.createObjectURL(new Blob([serialize(svg)], { type: "image/svg+xml;charset=utf-8" }));
    download(url, name + ".svg");
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // The PNG: the serialized SVG as an image, drawn on a canvas. A data: URL, not a blob: URL,
  // so the canvas stays untainted when the page comes from file://.
  function toCanvas(svg, done) {
    var wh = size(svg), scale = 2;
    var img = new Image();
    img.onload = function () {
      var c = document.createElement("canvas");
      c.width = Math.ceil(wh[0] * scale);
      c.height = Math.ceil(wh[1] * scale);
      var g = c.getContext("2d");
      g.fillStyle = "#fff";
      g.fillRect(0, 0, c.width, c.height);
      g.drawImage(img, 0, 0, c.width, c.height);
      done(c);
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(serialize(svg));
  }

  function savePng(svg, name) {
    toCanvas(svg, function (c) {
      c.toBlob(function (blob) {
        var url = URL.createObjectURL(blob);
        download(url, name + ".png");
        setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      }, "image/png");
    });
  }

  function saveButtons(svg) {
    var name = svg.getAttribute("data-save") || "figure";
    var box = document.createElement("div");
    box.className = "figsave";
    box.appendChild(document.createTextNode("下载 save: "));
    [["SVG", saveSvg], ["PNG", savePng]].forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b[0];
      btn.className = "save-" + b[0].toLowerCase();
      btn.title = "Save this figure as " + b[0];
      btn.addEventListener("click", function () { b[1](svg, name); });
      box.appendChild(btn);
    });
    svg.parentNode.insertBefore(box, svg.nextSibling);
  }

  each(document.querySelectorAll("svg[data-years]"), yearControl);
  each(document.querySelectorAll("svg[data-save]"), saveButtons);
  window.litmapNet = { filter: filter, serialize: serialize, toCanvas: toCanvas };
}());
