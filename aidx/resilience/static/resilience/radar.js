/* The radar chart of an assessment's scores per requirement, with the previous assessment beside it. */
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("radar-chart");
    var source = document.getElementById("radar-data");
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var sets = [{ label: data.current_label, data: data.current, fill: true, borderColor: "#1565c0", backgroundColor: "rgba(21,101,192,.2)" }];
    if (data.previous) {
      sets.push({ label: data.previous_label, data: data.previous, fill: false, borderColor: "#9e9e9e", borderDash: [6, 4] });
    }
    canvas.chart = new Chart(canvas, {
      type: "radar",
      data: { labels: data.labels, datasets: sets },
      options: {
        animation: false,
        scales: { r: { min: 0, max: 4, ticks: { stepSize: 1 } } },
        plugins: { tooltip: { callbacks: { title: function (items) { return data.names[items[0].dataIndex]; } } } }
      }
    });
    canvas.setAttribute("data-ready", "1");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
