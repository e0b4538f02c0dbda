/* The situational picture's map: a circle per site with open requests (red), offers (blue) or both, the missions'
   legs as routes, over the world basemap (web/maps.js). The points and arcs come from the page as JSON
   (json_script), every text in them written by the server for the reader.

   A site shows its name, nation and figures on hover, tap or keyboard focus. Sites closer than CLUSTER_PX on the
   screen merge into one numbered circle: its tooltip lists them, and selecting it zooms in until they come apart.
   Zooming clusters again. */
(function () {
  "use strict";

  var CLUSTER_PX = 30;  // sites whose centres are nearer than this (in pixels at the current zoom) merge
  var LISTED = 8;       // a cluster's tooltip lists this many sites, the largest first, and counts the rest
  var LARGEST = 64;     // px: the widest a circle grows

  function sitesOf(points) {
    // The JSON has a point per kind of record and site: a site with both requests and offers is one circle.
    var byCode = {};
    var sites = [];
    points.forEach(function (point) {
      var site = byCode[point.code];
      if (!site) {
        site = byCode[point.code] = {
          code: point.code, name: point.site, nation: point.nation, lat: point.lat, lon: point.lon, points: [], count: 0
        };
        sites.push(site);
      }
      site.points.push(point);
      site.count += point.count;
    });
    sites.forEach(function (site) {
      site.points.sort(function (a, b) { return a.kind === b.kind ? 0 : (a.kind === "request" ? -1 : 1); });
      site.kind = site.points.length > 1 ? "both" : site.points[0].kind;
    });
    return sites;
  }

  function siteTip(site) {
    var text = AidxMaps.text;
    var box = document.createElement("div");
    box.className = "tip-site";
    text(box, "strong", site.name);
    if (site.nation) { text(box, "div", site.nation, "tip-nation"); }
    site.points.forEach(function (point) {
      var part = text(box, "div", null, "tip-" + point.kind);
      text(part, "div", point.figure, "tip-figure");
      if (point.items.length) {
        text(part, "div", point.caption, "tip-caption");
        var list = text(part, "ul", null, "tip-items");
        point.items.forEach(function (item) {
          var line = text(list, "li", item.name + ": ");
          text(line, "span", item.quantity, "nowrap");
          if (item.weight) {
            line.appendChild(document.createTextNode(" "));
            text(line, "span", "(" + item.weight + ")", "nowrap");
          }
        });
        if (point.more) { text(list, "li", point.more, "tip-more"); }
      }
      if (point.weight) { text(part, "div", point.weight, "tip-weight"); }
    });
    return box;
  }

  function summary(site) {
    return site.name + (site.nation ? " (" + site.nation + ")" : "") + ": "
      + site.points.map(function (point) { return point.figure; }).join(" · ");
  }

  function largestFirst(a, b) {
    return b.count - a.count || a.name.localeCompare(b.name);
  }

  function siteMarker(site) {
    var size = Math.min(LARGEST, Math.round(2 * (5 + 4 * Math.sqrt(site.count))));
    var marker = L.marker([site.lat, site.lon], {
      icon: L.divIcon({ className: "site-marker site-" + site.kind, iconSize: [size, size], html: "" }),
      keyboard: true, riseOnHover: true
    });
    AidxMaps.tooltip(marker, siteTip(site), size / 2);
    AidxMaps.name(marker, summary(site));
    marker.site = site;
    return marker;
  }

  function clusterMarker(map, sites, words) {
    var text = AidxMaps.text;
    var bounds = L.latLngBounds(sites.map(function (site) { return [site.lat, site.lon]; }));
    var size = Math.min(LARGEST, Math.round(28 + 4 * Math.sqrt(sites.length)));
    var number = document.createElement("span");
    number.textContent = AidxMaps.count(sites.length);
    var marker = L.marker(bounds.getCenter(), {
      icon: L.divIcon({ className: "cluster-marker", iconSize: [size, size], html: number }),
      keyboard: true, riseOnHover: true
    });
    var box = document.createElement("div");
    box.className = "tip-cluster";
    text(box, "strong", AidxMaps.fill(words.sites, sites.length));
    var list = text(box, "ul", null, "tip-sites");
    sites.slice().sort(largestFirst).slice(0, LISTED).forEach(function (site) { text(list, "li", summary(site)); });
    if (sites.length > LISTED) { text(list, "li", AidxMaps.fill(words.more, sites.length - LISTED), "tip-more"); }
    text(box, "div", words.zoom, "tip-hint");
    AidxMaps.tooltip(marker, box, size / 2);
    AidxMaps.name(marker, AidxMaps.fill(words.sites, sites.length) + ". " + words.zoom);
    function zoomIn() {
      // At least one step in, so that every selection brings the sites nearer to coming apart.
      var zoom = Math.min(map.getMaxZoom(), Math.max(map.getZoom() + 1, map.getBoundsZoom(bounds.pad(0.3))));
      map.setView(bounds.getCenter(), zoom);
    }
    // A mouse shows the list on hover and zooms on a click; a finger's first tap shows the list, the next zooms.
    var listShown = null;
    marker.on("add", function () {
      L.DomEvent.on(marker.getElement(), "pointerdown", function (event) {
        listShown = event.pointerType === "mouse" ? null : marker.isTooltipOpen();
      });
    });
    marker.on("click", function () {
      if (listShown === false) {
        listShown = null;
        return;
      }
      zoomIn();
    });
    AidxMaps.activate(marker, zoomIn);
    marker.sites = sites;
    return marker;
  }

  // Greedy clustering on a grid of CLUSTER_PX cells: the largest site not yet placed takes every free site within
  // CLUSTER_PX of it (they can only be in its cell or the eight around it). None at the map's last zoom.
  function clusters(map, sites) {
    var zoom = map.getZoom();
    if (zoom >= map.getMaxZoom()) { return sites.map(function (site) { return [site]; }); }
    var placed = sites.slice().sort(largestFirst).map(function (site) {
      var at = map.project([site.lat, site.lon], zoom);
      return { site: site, at: at, x: Math.floor(at.x / CLUSTER_PX), y: Math.floor(at.y / CLUSTER_PX), taken: false };
    });
    var grid = {};
    placed.forEach(function (entry) { (grid[entry.x + ":" + entry.y] = grid[entry.x + ":" + entry.y] || []).push(entry); });
    var groups = [];
    placed.forEach(function (seed) {
      if (seed.taken) { return; }
      seed.taken = true;
      var group = [seed.site];
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          (grid[(seed.x + dx) + ":" + (seed.y + dy)] || []).forEach(function (other) {
            if (!other.taken && other.at.distanceTo(seed.at) < CLUSTER_PX) {
              other.taken = true;
              group.push(other.site);
            }
          });
        }
      }
      groups.push(group);
    });
    return groups;
  }

  function draw() {
    var element = document.getElementById("map");
    if (!element || !window.L || !window.AidxMaps) { return; }
    var points = JSON.parse(document.getElementById("points").textContent);
    var arcs = JSON.parse(document.getElementById("arcs").textContent);
    var words = { sites: element.dataset.sitesLabel, more: element.dataset.moreLabel, zoom: element.dataset.zoomLabel };
    var sites = sitesOf(points);
    var map = L.map(element, { worldCopyJump: false, minZoom: 1, maxZoom: 8, attributionControl: false });
    map.setView([30, 10], 2);
    var routes = L.featureGroup().addTo(map);
    arcs.forEach(function (arc) {
      AidxMaps.route(routes, arc, [arc.from.lat, arc.from.lon], [arc.to.lat, arc.to.lon]);
    });
    // Leaflet makes a double click of any two quick taps on the map, even on two markers, and zooms: a tap on a site
    // or a cluster is not half of one (a cluster's second tap zooms in to its sites itself).
    var calm = null;
    function noDoubleTap() {
      map.doubleClickZoom.disable();
      clearTimeout(calm);
      calm = setTimeout(function () { map.doubleClickZoom.enable(); }, 400);
    }
    var markers = L.featureGroup().addTo(map);
    markers.on("click", noDoubleTap);
    function place() {
      markers.clearLayers();
      clusters(map, sites).forEach(function (group) {
        markers.addLayer(group.length === 1 ? siteMarker(group[0]) : clusterMarker(map, group, words));
      });
      element.dataset.zoom = String(map.getZoom());
    }
    map.on("zoomend", place);
    var bounds = L.latLngBounds([]);
    sites.forEach(function (site) { bounds.extend([site.lat, site.lon]); });
    arcs.forEach(function (arc) { bounds.extend([arc.from.lat, arc.from.lon]).extend([arc.to.lat, arc.to.lon]); });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 5, animate: false });
    }
    place();
    chart();
    AidxMaps.basemap(map, element);
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
