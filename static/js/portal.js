/* FOTA Portal dashboard behaviour: confirmation dialogs, the progress chart, per-vendor form sections.
   Everything works without this file (confirmations fall back to their own page); it only makes it smoother. */
(function () {
  "use strict";

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /* --- confirmation dialog: action links load their confirmation into #confirm-dialog via htmx ---------------- */
  function dialog() { return document.getElementById("confirm-dialog"); }

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = dialog();
    if (box && event.detail.target && event.detail.target.id === "confirm-dialog-body") {
      if (!box.open) { box.showModal(); }
      var first = box.querySelector("[autofocus], button.primary, button.danger, button.warn");
      if (first) { first.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      event.preventDefault();
      var box = closer.closest("dialog");
      if (box) { box.close(); }
    }
  });

  /* --- progress chart: data comes from a json_script the live fragment re-renders ------------------------------ */
  var charts = {};

  function chartData(canvas) {
    var source = document.getElementById(canvas.dataset.chartSource);
    return source ? JSON.parse(source.textContent) : null;
  }

  function drawChart(canvas) {
    var data = chartData(canvas);
    if (!data || typeof Chart === "undefined") { return; }
    var series = [
      { key: "succeeded", label: "Succeeded", colour: cssVar("--c-green") },
      { key: "failed", label: "Failed", colour: cssVar("--c-red") },
      { key: "in_flight", label: "In flight", colour: cssVar("--c-blue") }
    ];
    var existing = charts[canvas.id];
    if (existing && existing.canvas === canvas) {
      existing.data.labels = data.labels;
      series.forEach(function (s, i) { existing.data.datasets[i].data = data[s.key]; });
      existing.update("none");
      return;
    }
    charts[canvas.id] = new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: series.map(function (s) {
          return { label: s.label, data: data[s.key], borderColor: s.colour, backgroundColor: s.colour,
                   pointRadius: 0, borderWidth: 2, tension: 0.2 };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 8 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function drawCharts() {
    document.querySelectorAll("canvas[data-chart-source]").forEach(drawChart);
  }

  /* --- per-vendor sections: show the credential fields of the chosen vendor kind -------------------------------- */
  function syncKindSections(select) {
    var form = select.form;
    form.querySelectorAll("[data-kind-section]").forEach(function (section) {
      var shown = section.dataset.kindSection === select.value;
      section.hidden = !shown;
      section.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !shown; });
    });
  }

  function initKindSelects(root) {
    (root || document).querySelectorAll("select[data-kind-switch]").forEach(function (select) {
      syncKindSections(select);
      select.addEventListener("change", function () { syncKindSections(select); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    initKindSelects();
  });
  document.addEventListener("htmx:afterSettle", function () { drawCharts(); });
})();
