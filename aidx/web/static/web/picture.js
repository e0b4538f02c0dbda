/* The situational picture's map: a world basemap drawn from world-atlas (no outside tiles) and a circle per
   site with open requests (red) or offers (blue). The points come from the page as JSON (json_script). */
(function () {
  "use strict";

  function popup(label, point) {
    // Built as DOM nodes, not HTML strings: site names are data.
    var box = document.createElement("div");
    var site = document.createElement("strong");
    site.textContent = point.site;
    box.appendChild(site);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(point.count + " " + label));
    return box;
  }

  var ANTARCTICA = "010";  // no aid goes there, and its polar ring cannot be drawn in Web Mercator

  function unwrap(ring) {
    // Rings that cross the antimeridian (Russia's far east, Fiji) would streak across the whole map:
    // move their western part east of 180° so they are drawn in one piece.
    var lons = ring.map(function (point) { return point[0]; });
    if (Math.max.apply(null, lons) - Math.min.apply(null, lons) > 180) {
      ring.forEach(function (point) { if (point[0] < 0) { point[0] += 360; } });
    }
  }

  function basemap(world) {
    var countries = topojson.feature(world, world.objects.countries);
    countries.features = countries.features.filter(function (feature) { return feature.id !== ANTARCTICA; });
    countries.features.forEach(function (feature) {
      var geometry = feature.geometry;
      if (!geometry) { return; }
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
      polygons.forEach(function (polygon) { polygon.forEach(unwrap); });
    });
    return countries;
  }

  function draw() {
    var element = document.getElementById("map");
    if (!element || !window.L) { return; }
    var points = JSON.parse(document.getElementById("points").textContent);
    var map = L.map(element, { worldCopyJump: false, minZoom: 1, maxZoom: 8, attributionControl: false });
    map.setView([30, 10], 2);
    var markers = L.featureGroup().addTo(map);
    points.forEach(function (point) {
      var isRequest = point.kind === "request";
      var colour = isRequest ? "#c62828" : "#1565c0";
      L.circleMarker([point.lat, point.lon], {
        radius: 5 + 4 * Math.sqrt(point.count), color: colour, weight: 2, fillColor: colour, fillOpacity: 0.45,
        className: "point-" + point.kind
      }).bindPopup(popup(isRequest ? element.dataset.requestLabel : element.dataset.offerLabel, point))
        .addTo(markers);
    });
    // Missions as arcs: planned dashed, airborne solid orange, completed solid grey.
    var arcs = JSON.parse(document.getElementById("arcs").textContent);
    arcs.forEach(function (arc) {
      var style = { planned: { color: "#6a1b9a", dashArray: "6 6" }, airborne: { color: "#ef6c00" } }[arc.status]
        || { color: "#546e7a" };
      style.weight = 2;
      style.className = "arc-" + arc.status;
      L.polyline([[arc.from.lat, arc.from.lon], [arc.to.lat, arc.to.lon]], style)
        .bindTooltip(arc.aircraft + ": " + arc.from.name + " → " + arc.to.name).addTo(markers);
    });
    if (points.length || arcs.length) {
      map.fitBounds(markers.getBounds(), { padding: [40, 40], maxZoom: 5 });
    }
    chart();
    fetch(element.dataset.basemap)
      .then(function (answer) { return answer.json(); })
      .then(function (world) {
        L.geoJSON(basemap(world), {
          interactive: false,
          style: { color: "#8a99a8", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 }
        }).addTo(map).bringToBack();
        element.dataset.ready = "true";
      });
  }

  function chart() {
    var canvas = document.getElementById("series-chart");
    if (!canvas || !window.Chart) { return; }
    var series = JSON.parse(document.getElementById("series").textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: series.map(function (week) { return week.week; }),
        datasets: [
          { label: canvas.dataset.flightsLabel, data: series.map(function (w) { return w.flights; }), yAxisID: "y" },
          { label: canvas.dataset.tonnesLabel, data: series.map(function (w) { return w.tonnes; }), type: "line",
            yAxisID: "y1" }
        ]
      },
      options: { animation: false, scales: { y: { beginAtZero: true }, y1: { beginAtZero: true, position: "right" } } }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
