// The street ledger's map: area outlines and the last 90 days' cases as dots on a ~50 m
// grid, coloured by state. The points carry no text: a state and a count.
(function () {
  "use strict";
  var element = document.getElementById("ledger-map");
  if (!element || !window.L) return;
  var colours = {
    reported: "#b3261e", dispatched: "#e8710a", in_progress: "#f9ab00",
    awaiting_meeting: "#9334e6", resolved: "#1a73e8", closed: "#188038"
  };
  var map = L.map(element, { preferCanvas: true, maxZoom: 18 }).setView([31.17, 121.40], 14);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  var bounds = element.getAttribute("data-bounds");
  if (bounds) {
    var b = bounds.split(",").map(Number);
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]]);
  }
  fetch(element.getAttribute("data-outlines")).then(function (r) { return r.json(); }).then(function (outlines) {
    L.geoJSON(outlines, {
      style: function (f) { return { color: "#5d6675", weight: f.properties.depth ? 1 : 2, fillOpacity: 0.02 }; },
      interactive: false
    }).addTo(map);
  });
  var status = document.getElementById("ledger-map-status");
  fetch(element.getAttribute("data-points")).then(function (r) { return r.json(); }).then(function (data) {
    var total = 0;
    data.points.forEach(function (p) {
      total += p[3];
      L.circleMarker([p[0], p[1]], {
        radius: Math.min(4 + Math.sqrt(p[3]) * 2, 14), color: colours[p[2]] || "#5d6675",
        weight: 1, fillOpacity: 0.6, className: "ledger-point state-" + p[2]
      }).addTo(map);
    });
    element.setAttribute("data-loaded", String(data.points.length));
    if (status) status.textContent = total + " " + status.getAttribute("data-label");
  });
})();
