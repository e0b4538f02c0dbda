/* Airlift map: legs as lines over a world basemap drawn from world-atlas (no outside tiles). The legs come from the
   page as JSON (json_script, named by the element's data-map). Maps inserted later by htmx are drawn too. */
(function () {
  "use strict";

  var COLOURS = { planned: "#1565c0", airborne: "#ef6c00", landed: "#2e7d32", dropped: "#9e9e9e" };

  function draw(element) {
    if (!window.L || element.dataset.drawn) { return; }
    element.dataset.drawn = "true";
    var source = document.getElementById(element.dataset.map);
    var arcs = source ? JSON.parse(source.textContent) : [];
    var map = L.map(element, { minZoom: 1, maxZoom: 8, attributionControl: false });
    map.setView([45, 10], 3);
    var lines = L.featureGroup().addTo(map);
    arcs.forEach(function (arc) {
      var colour = COLOURS[arc.status] || COLOURS.planned;
      var line = L.polyline([arc.from, arc.to], {
        color: colour, weight: 3, opacity: 0.85, dashArray: arc.status === "dropped" ? "4 6" : null
      });
      var label = document.createElement("span");
      label.textContent = arc.label;  // a text node: names are data, never HTML
      line.bindTooltip(label).addTo(lines);
      L.circleMarker(arc.from, { radius: 4, color: colour }).addTo(lines);
      L.circleMarker(arc.to, { radius: 4, color: colour }).addTo(lines);
    });
    if (arcs.length) { map.fitBounds(lines.getBounds(), { padding: [30, 30], maxZoom: 6 }); }
    fetch(element.dataset.basemap)
      .then(function (answer) { return answer.json(); })
      .then(function (world) {
        L.geoJSON(topojson.feature(world, world.objects.countries), {
          interactive: false,
          style: { color: "#8a99a8", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 }
        }).addTo(map).bringToBack();
        element.dataset.ready = "true";
      });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-map]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:load", function (event) { drawAll(event.detail.elt.parentNode || document); });
})();
