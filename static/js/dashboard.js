// The filters fold away on a phone: open on a wide screen or when they hold an error.
(function () {
  "use strict";
  var filters = document.getElementById("dashboard-filters");
  if (!filters || filters.hasAttribute("data-keep-open")) return;
  if (window.matchMedia("(max-width: 40rem)").matches) filters.removeAttribute("open");
})();

// The dashboard's hotspot map: the street's area outlines from the page's JSON, shaded by
// how many cases each holds. No tiles unless the deployment names a tile server.
(function () {
  "use strict";
  var box = document.getElementById("hotspot-map");
  var data = document.getElementById("hotspot-data");
  if (!box || !data || !window.L) return;
  var features = JSON.parse(data.textContent);
  if (!features.length) return;
  var colours = ["#ffffff", "#fde0dd", "#fcaea5", "#f6776a", "#d8433a", "#a31b14"];
  var map = L.map(box, { zoomSnap: 0.25, attributionControl: false, scrollWheelZoom: false });
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, { maxZoom: 19 }).addTo(map);
  var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
    style: function (feature) {
      var p = feature.properties;
      var outer = p.depth === 0;
      return {
        color: outer ? "#20283a" : "#5d6675",
        weight: outer ? 2 : 1,
        fillColor: colours[p.heat],
        fillOpacity: outer ? 0 : (p.heat ? 0.85 : 0.25),
      };
    },
    onEachFeature: function (feature, shape) {
      shape.bindTooltip(feature.properties.name + ": " + feature.properties.count);
    },
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [8, 8] });
})();
