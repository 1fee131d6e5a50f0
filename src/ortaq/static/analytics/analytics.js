/* Analytics dashboards: draw each chart from the table that follows it (the table is the accessible
   alternative and the single source of the figures; withheld cells have no bar, and their label says so). No inline script: CSP. */
(function () {
  "use strict";

  function cellValue(cell) {
    var raw = cell ? cell.getAttribute("data-value") : "";
    return raw === "" || raw === null ? null : Number(raw);
  }

  function draw(box) {
    var table = document.getElementById(box.getAttribute("data-chart-for"));
    if (!table || typeof window.Chart === "undefined") { return; }
    var labels = [], values = [], hidden = box.getAttribute("data-hidden-label") || "";
    table.querySelectorAll("tbody tr[data-label]").forEach(function (row) {
      var value = cellValue(row.querySelector("td.num"));
      // A withheld figure has no bar: its axis label says why instead of leaving an unexplained gap.
      labels.push(row.getAttribute("data-label") + (value === null && hidden ? " (" + hidden + ")" : ""));
      values.push(value);
    });
    if (!labels.length) { return; }
    var heading = table.querySelector("thead th.num");
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", box.getAttribute("data-chart-label") || "");
    box.appendChild(canvas);
    var brand = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim() || "#0b5cab";
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: heading ? heading.textContent : "", data: values, backgroundColor: brand }] },
      options: {
        indexAxis: labels.length > 6 ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
      }
    });
  }

  function init() {
    document.querySelectorAll("[data-chart-for]").forEach(draw);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
