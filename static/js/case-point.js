// The case page's small map: where the case is, inside its area's outline. A picture, not
// a control: no dragging, zooming or keyboard focus, so it nests nothing interactive.
(function () {
  "use strict";
  function draw() {
    var element = document.getElementById("case-point");
    if (!element || element.getAttribute("data-drawn") || !window.L) return;
    var config = JSON.parse(document.getElementById("case-point-config").textContent);
    element.setAttribute("data-drawn", "1");
    var map = L.map(element, {
      zoomControl: false, dragging: false, touchZoom: false, doubleClickZoom: false,
      scrollWheelZoom: false, boxZoom: false, keyboard: false, attributionControl: false
    }).setView([config.lat, config.lng], 16);
    if (config.tiles) L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
    if (config.outline) {
      var area = L.geoJSON(config.outline, {
        interactive: false, style: { color: "#1f5fae", weight: 1, fillOpacity: 0.05 }
      }).addTo(map);
      map.fitBounds(area.getBounds().extend([config.lat, config.lng]), { maxZoom: 17 });
    }
    L.circleMarker([config.lat, config.lng], {
      interactive: false, radius: 8, color: "#b3261e", weight: 3, fillOpacity: 0.6
    }).addTo(map);
  }
  document.addEventListener("DOMContentLoaded", draw);
  // An action swaps the case panel in place (htmx): draw the new panel's map.
  document.addEventListener("htmx:afterSettle", draw);
})();
