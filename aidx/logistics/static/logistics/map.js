/* Airlift map: legs as routes over the world basemap (web/maps.js), in the styles the legend explains, and the
   airfields they join. The legs come from the page as JSON (json_script, named by the element's data-map), their
   texts written by the server for the reader. Maps inserted later by htmx are drawn too. */
(function () {
  "use strict";

  function stopTip(end) {
    var box = document.createElement("div");
    AidxMaps.text(box, "strong", end.name);
    if (end.nation) { AidxMaps.text(box, "div", end.nation, "tip-nation"); }
    return box;
  }

  function stop(layer, seen, at, end) {
    var key = at[0] + "," + at[1];
    if (seen[key]) { return; }
    seen[key] = true;
    var marker = L.marker(at, {
      icon: L.divIcon({ className: "stop-marker", iconSize: [12, 12], html: "" }), keyboard: true
    });
    AidxMaps.tooltip(marker, stopTip(end), 6);
    AidxMaps.name(marker, end.nation ? end.name + " (" + end.nation + ")" : end.name);
    marker.addTo(layer);
  }

  function draw(element) {
    if (!window.L || !window.AidxMaps || element.dataset.drawn) { return; }
    element.dataset.drawn = "true";
    var source = document.getElementById(element.dataset.map);
    var arcs = source ? JSON.parse(source.textContent) : [];
    var map = L.map(element, { minZoom: 1, maxZoom: 8, attributionControl: false });
    map.setView([45, 10], 3);
    var lines = L.featureGroup().addTo(map);
    var stops = L.featureGroup().addTo(map);
    var seen = {};
    arcs.forEach(function (arc) {
      AidxMaps.route(lines, arc, arc.from, arc.to);
      stop(stops, seen, arc.from, arc.from_site || { name: "" });
      stop(stops, seen, arc.to, arc.to_site || { name: "" });
    });
    if (arcs.length) { map.fitBounds(lines.getBounds(), { padding: [30, 30], maxZoom: 6, animate: false }); }
    AidxMaps.basemap(map, element);
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
