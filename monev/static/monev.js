// Monev's progressive enhancement: every page works without it (server-rendered tables);
// with it, charts draw from the data the server embedded, and live regions update (htmx).
(function () {
  "use strict";
  function charts() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      spec.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, spec.options || {});
      new Chart(canvas, spec);
      canvas.dataset.drawn = "1";
    });
  }
  function printing() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }
  document.addEventListener("DOMContentLoaded", charts);
  document.addEventListener("DOMContentLoaded", printing);
  document.addEventListener("htmx:afterSwap", charts);
  // Mark the document once live updates have connected (tests and assistive status).
  document.addEventListener("htmx:sseOpen", function () { document.documentElement.dataset.live = "open"; });
  document.addEventListener("htmx:sseError", function () { document.documentElement.dataset.live = "error"; });
  // Count the swaps each live region received (the tests wait on it; harmless otherwise).
  document.addEventListener("htmx:sseMessage", function (e) {
    var kind = (e.detail && e.detail.type) || "message";
    var root = document.documentElement.dataset;
    var key = "sse" + kind.charAt(0).toUpperCase() + kind.slice(1);
    root[key] = String(Number(root[key] || 0) + 1);
  });
})();
