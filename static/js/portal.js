// Staff portal: small helpers on top of server-rendered pages (everything works without).
(function () {
  "use strict";
  // A standard reply fills the text box it belongs to.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-fills]")) return;
    var box = document.getElementById(select.getAttribute("data-fills"));
    var option = select.options[select.selectedIndex];
    if (box && select.value) box.value = option.text;
  });
  // "Use my location" on the patrol form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-locate]");
    if (!button || !navigator.geolocation) return;
    event.preventDefault();
    var status = document.getElementById("locate-status");
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("id_lat").value = position.coords.latitude.toFixed(6);
      document.getElementById("id_lng").value = position.coords.longitude.toFixed(6);
      if (status) status.textContent = button.getAttribute("data-done");
    }, function () {
      if (status) status.textContent = button.getAttribute("data-failed");
    });
  });
})();
