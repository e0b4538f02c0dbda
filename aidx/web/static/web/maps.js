/* What every aidx map shares: the world basemap from world-atlas (no outside tiles), tooltips built from text nodes,
   and the routes of missions drawn in the styles the legend explains (web/aidx.css: path.route-planned ...).
   Every figure a tooltip shows comes written from the server in the reader's language and number format; the only
   numbers written here are counts of sites (Intl, the same CLDR conventions). Used by web/picture.js and
   logistics/map.js as window.AidxMaps. */
(function () {
  "use strict";

  var ANTARCTICA = "010";  // no aid goes there, and its polar ring cannot be drawn in Web Mercator

  // A child element with `content` as a text node (never HTML: names are data).
  function text(parent, tag, content, className) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null && content !== "") { node.textContent = content; }
    parent.appendChild(node);
    return node;
  }

  function count(n) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined).format(n);
    } catch (error) {
      return String(n);
    }
  }

  // "Sites here: %(n)s" with the count written in.
  function fill(template, n) {
    return String(template || "%(n)s").replace("%(n)s", count(n));
  }

  function unwrap(ring) {
    // Rings that cross the antimeridian (Russia's far east, Fiji) would streak across the whole map:
    // move their western part east of 180° so they are drawn in one piece.
    var lons = ring.map(function (point) { return point[0]; });
    if (Math.max.apply(null, lons) - Math.min.apply(null, lons) > 180) {
      ring.forEach(function (point) { if (point[0] < 0) { point[0] += 360; } });
    }
  }

  function countries(world) {
    var features = topojson.feature(world, world.objects.countries);
    features.features = features.features.filter(function (feature) { return feature.id !== ANTARCTICA; });
    features.features.forEach(function (feature) {
      var geometry = feature.geometry;
      if (!geometry) { return; }
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
      polygons.forEach(function (polygon) { polygon.forEach(unwrap); });
    });
    return features;
  }

  // Draw the basemap under everything else, then mark the map element ready (data-ready, for tests and print).
  function basemap(map, element) {
    return fetch(element.dataset.basemap)
      .then(function (answer) { return answer.json(); })
      .then(function (world) {
        L.geoJSON(countries(world), {
          interactive: false,
          style: { color: "#8a99a8", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 }
        }).addTo(map).bringToBack();
        element.dataset.ready = "true";
      });
  }

  // A tooltip that opens towards the middle of the map, so that the map's edge does not cut it: below a point in
  // the upper half, above one in the lower half, beside one near the left or right edge. `gap`: the distance from
  // the point to the tooltip (a marker's radius).
  function tooltip(layer, content, gap, options) {
    layer.bindTooltip(content, Object.assign({ className: "map-tip", direction: "top", offset: [0, -gap], opacity: 1 }, options || {}));
    layer.on("tooltipopen", function (event) {
      var tip = event.tooltip;
      var map = layer._map;
      if (!map) { return; }
      var at = map.latLngToContainerPoint(tip.getLatLng());
      var size = map.getSize();
      var side = Math.min(150, size.x / 4);
      var direction = at.x < side ? "right" : at.x > size.x - side ? "left" : at.y < size.y / 2 ? "bottom" : "top";
      if (tip.options.direction !== direction) {
        tip.options.direction = direction;
        tip.options.offset = { right: [gap, 0], left: [-gap, 0], bottom: [0, gap], top: [0, -gap] }[direction];
        tip.update();
      }
    });
    return layer;
  }

  // Enter or space on a focused marker does what a click does (Leaflet 1.9 only focuses it).
  function activate(marker, action) {
    marker.on("add", function () {
      L.DomEvent.on(marker.getElement(), "keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          L.DomEvent.preventDefault(event);
          action(event);
        }
      });
    });
  }

  function name(marker, label) {
    marker.on("add", function () { marker.getElement().setAttribute("aria-label", label); });
    return marker;
  }

  // A route's tooltip: aircraft, from → to, status in words, the load the viewer may see (and, on a mission's own
  // page, the other loads summed as its manifest sums them).
  function routeTip(arc) {
    var box = document.createElement("div");
    text(box, "strong", arc.aircraft);
    text(box, "div", arc.route);
    text(box, "div", arc.status_words, "tip-status");
    text(box, "div", arc.load, "tip-load");
    if (arc.others) { text(box, "div", arc.others, "tip-others"); }
    return box;
  }

  // A leg as a thin line in its status's style, under a wide transparent line that takes hover, tap and keyboard
  // focus (a 3 px line is too thin to tap on a phone).
  function route(layer, arc, from, to) {
    var status = arc.status || "planned";
    L.polyline([from, to], { className: "route route-" + status, weight: 3, interactive: false }).addTo(layer);
    var hit = L.polyline([from, to], { className: "route-hit", weight: 16, opacity: 0 });
    tooltip(hit, routeTip(arc), 12, { sticky: true });
    hit.on("add", function () {
      var element = hit.getElement();
      element.setAttribute("tabindex", "0");
      element.setAttribute("role", "img");
      element.setAttribute("aria-label", [arc.aircraft, arc.route, arc.status_words].join(", "));
    });
    return hit.addTo(layer);
  }

  window.AidxMaps = {
    text: text, count: count, fill: fill, basemap: basemap, tooltip: tooltip, activate: activate, name: name,
    route: route
  };
})();
