/* tfpipe ui: a run page's node panels, and its live updates while the run is RUNNING
 * (GET /api/runs/<id> every data-poll milliseconds, no reload). */
(function () {
  "use strict";
  var run = document.getElementById("run");
  if (!run) return;
  var graph = run.querySelector("div.graph");
  var selected = location.hash.indexOf("#node-") === 0 ? decodeURIComponent(location.hash.slice(6)) : null;

  function show(nodeId) {
    selected = nodeId;
    run.querySelectorAll("article.node-detail").forEach(function (a) {
      a.hidden = a.dataset.node !== nodeId;
    });
    if (graph) graph.querySelectorAll("g.node").forEach(function (g) {
      g.classList.toggle("selected", g.dataset.node === nodeId);
    });
  }

  if (graph) graph.addEventListener("tfpipe:select", function (e) { show(e.detail); });
  run.addEventListener("click", function (e) {
    var link = e.target.closest("a.node-link");
    if (link) show(link.dataset.node);
  });
  if (selected) show(selected);

  function poll() {
    fetch(run.dataset.api, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (found) {
      if (graph) TfpipeGraph.update(graph, found.graph);
      document.getElementById("nodes").innerHTML = found.nodes_html;  // escaped by the server
      document.getElementById("run-state").innerHTML = found.state_html;  // escaped too
      run.dataset.state = found.state;
      if (selected) show(selected);
      if (found.live) {
        setTimeout(poll, Number(run.dataset.poll));
      } else {
        run.dataset.live = "false";
        document.getElementById("live-note").textContent = "";
      }
    }).catch(function (error) {
      document.getElementById("live-note").textContent = "live updates stopped: " + error.message;
    });
  }
  if (run.dataset.live === "true") setTimeout(poll, Number(run.dataset.poll));
})();
