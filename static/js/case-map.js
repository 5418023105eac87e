// The map of the filtered cases: area outlines from the database, cases as clustered
// markers (or, for big result sets, the server's grid counts).
(function () {
  "use strict";
  var element = document.getElementById("case-map");
  if (!element || !window.L) return;
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var outlines = JSON.parse(document.getElementById("map-outlines").textContent);
  var status = document.getElementById("map-status");
  var map = L.map(element, { preferCanvas: true, maxZoom: 19 }).setView(config.center, 14);
  if (config.tiles) L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
  var areas = L.geoJSON(outlines, {
    style: function (f) { return { color: f.properties.depth ? "#1f5fae" : "#b3261e", weight: f.properties.depth ? 1 : 2, fillOpacity: 0.04 }; },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); }
  }).addTo(map);
  if (config.bounds) map.fitBounds([[config.bounds[0], config.bounds[1]], [config.bounds[2], config.bounds[3]]]);
  else if (outlines.features.length) map.fitBounds(areas.getBounds());
  var detail = config.detail;
  fetch(config.data, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var group = L.markerClusterGroup({ chunkedLoading: true });
    var total = 0;
    (data.points || []).forEach(function (p) {
      var link = document.createElement("a");
      link.href = detail.replace("HM-0000-000000", p[2]);
      link.textContent = p[2];
      group.addLayer(L.marker([p[0], p[1]], { title: p[2] }).bindPopup(link));
      total += 1;
    });
    (data.clusters || []).forEach(function (c) {
      var size = 24 + Math.min(24, Math.log(c[2]) * 4);
      var icon = L.divIcon({ className: "grid-cluster", html: "<span>" + c[2] + "</span>", iconSize: [size, size] });
      group.addLayer(L.marker([c[0], c[1]], { icon: icon, title: String(c[2]) }));
      total += c[2];
    });
    map.addLayer(group);
    status.textContent = total + " " + element.getAttribute("data-cases-label");
  });
})();
