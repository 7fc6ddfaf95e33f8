/* tfpipe's graphs (a run's nodes, an artifact's lineage) laid out by dagre and drawn as
 * SVG. Shared by `tfpipe ui` and the self-contained `tfpipe report`.
 *
 * A graph is a <div class="graph"> holding <script type="application/json"
 * class="graph-data"> with {nodes: [{id, label, sub, state, detail, href, kind, root}],
 * edges: [[from, to], ...], direction: "LR" or "TB"} (root: the artifact a lineage is
 * about). Text is set with
 * textContent only, so names from the store are never parsed as HTML. Clicking a node
 * with an href opens it; any click also dispatches a "tfpipe:select" event (detail: the
 * node's id) on the graph's div.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var BOX_W = 184, BOX_H = 56;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function short(text, limit) {
    text = String(text == null ? "" : text);
    return text.length <= limit ? text : text.slice(0, limit - 1) + "\u2026";
  }

  function layout(data) {
    var g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: data.direction || "LR", nodesep: 18, ranksep: 40, marginx: 12,
                 marginy: 12 });
    g.setDefaultEdgeLabel(function () { return {}; });
    data.nodes.forEach(function (n) { g.setNode(n.id, { width: BOX_W, height: BOX_H }); });
    data.edges.forEach(function (e) {
      if (g.hasNode(e[0]) && g.hasNode(e[1])) g.setEdge(e[0], e[1]);
    });
    dagre.layout(g);
    return g;
  }

  function setNode(group, n) {
    group.setAttribute("class", "node kind-" + (n.kind || "node") + " state-" +
                       String(n.state || "").replace(/[^A-Za-z_]/g, "_") +
                       (n.root ? " root" : ""));
    group.dataset.node = n.id;
    group.dataset.state = n.state || "";
    group.querySelector("title").textContent = n.id + (n.sub ? " (" + n.sub + ")" : "") +
      (n.detail ? ": " + n.detail : "");
    group.querySelector("text.label").textContent = short(n.label || n.id, 22);
    group.querySelector("text.detail").textContent = short(n.detail || n.sub || "", 28);
  }

  function draw(container, data) {
    var g = layout(data);
    var size = g.graph();
    var width = Math.ceil(size.width || 0), height = Math.ceil(size.height || 0);
    var svg = el("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height,
                          role: "img", "aria-label": "graph" });
    svg.style.maxWidth = "100%";  // a wide graph is scaled to the page's width
    svg.style.height = "auto";
    var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
                                markerWidth: 7, markerHeight: 7, orient: "auto" },
                    el("defs", {}, svg));
    el("path", { d: "M0,0 L10,5 L0,10 z", "class": "arrow" }, marker);
    g.edges().forEach(function (e) {
      var pts = g.edge(e).points;
      var d = "M" + pts.map(function (p) { return p.x + "," + p.y; }).join(" L");
      el("path", { d: d, "class": "edge", "marker-end": "url(#arrow)",
                   "data-from": e.v, "data-to": e.w }, svg);
    });
    data.nodes.forEach(function (n) {
      var pos = g.node(n.id);
      var x = pos.x - BOX_W / 2, y = pos.y - BOX_H / 2;
      var parent = svg;
      if (n.href) {
        parent = el("a", { href: n.href }, svg);
      }
      var group = el("g", {}, parent);
      el("title", {}, group);
      el("rect", { x: x, y: y, width: BOX_W, height: BOX_H, rx: n.kind === "execution" ? 2 : 8 },
         group);
      el("text", { x: x + 12, y: y + 23, "class": "label" }, group);
      el("text", { x: x + 12, y: y + 43, "class": "detail" }, group);
      setNode(group, n);
      group.addEventListener("click", function () {
        container.dispatchEvent(new CustomEvent("tfpipe:select", { detail: n.id }));
      });
    });
    container.querySelectorAll("svg").forEach(function (old) { old.remove(); });
    container.appendChild(svg);
    container._tfpipeShape = JSON.stringify([data.nodes.map(function (n) { return n.id; }),
                                             data.edges]);
  }

  /* Redraw when nodes or edges changed; else only recolour and relabel in place. */
  function update(container, data) {
    var shape = JSON.stringify([data.nodes.map(function (n) { return n.id; }), data.edges]);
    if (shape !== container._tfpipeShape) return draw(container, data);
    var groups = {};
    container.querySelectorAll("g.node").forEach(function (g) { groups[g.dataset.node] = g; });
    data.nodes.forEach(function (n) { if (groups[n.id]) setNode(groups[n.id], n); });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("div.graph").forEach(function (container) {
      var source = container.querySelector("script.graph-data");
      if (source && !container._tfpipeShape) draw(container, JSON.parse(source.textContent));
    });
  }

  window.TfpipeGraph = { draw: draw, update: update, drawAll: drawAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
})();
