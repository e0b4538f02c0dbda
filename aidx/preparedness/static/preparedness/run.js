/* The fan chart of a simulation run: the median shortfall of the chosen item per week, with its P10–P90 band.
   The series come from the page as JSON (json_script). */
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("fan");
    var source = document.getElementById("fan-data");
    if (!canvas || !source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var select = document.getElementById("fan-item");
    var chart = null;
    function show(index) {
      var item = data.items[index];
      if (!item) { return; }
      var datasets = [
        { label: data.labels_text.p90, data: item.p90, borderWidth: 0, backgroundColor: "rgba(200, 60, 40, 0.2)", fill: "+1", pointRadius: 0 },
        { label: data.labels_text.p10, data: item.p10, borderWidth: 0, backgroundColor: "rgba(200, 60, 40, 0.2)", fill: false, pointRadius: 0 },
        { label: data.labels_text.p50, data: item.p50, borderColor: "rgb(160, 40, 30)", fill: false, pointRadius: 2 }
      ];
      if (chart) { chart.destroy(); }
      chart = new Chart(canvas, {
        type: "line",
        data: { labels: data.labels, datasets: datasets },
        options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } }
      });
      canvas.dataset.item = item.code;
    }
    select.addEventListener("change", function () { show(select.value); });
    show(0);
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
