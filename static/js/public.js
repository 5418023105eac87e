/* The public pages, progressively enhanced: every page works without this file.
 *
 * Report form: photo previews with a remove button, the map (tap or "use my location"),
 * the live check of the place and of open reports nearby, and sending with fetch: the
 * server answers a refused send with the whole page, and only its error regions
 * ([data-swap]) are swapped in, so nothing typed and no chosen photo is lost.
 * Confirmation page: copy the tracking link.
 */
(function () {
  "use strict";

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var done = function () { button.textContent = button.dataset.copied; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(button.dataset.copy).then(done);
      } else {
        var field = document.createElement("textarea");
        field.value = button.dataset.copy;
        document.body.appendChild(field);
        field.select();
        document.execCommand("copy");
        field.remove();
        done();
      }
    });
  });

  var form = document.getElementById("report-form");
  if (!form) return;
  var t = form.dataset;

  // ------------------------------------------------------------------ photos

  var input = form.querySelector("input[type=file][name=photos]");
  var previews = document.getElementById("photo-previews");
  var maxPhotos = parseInt(t.maxPhotos, 10) || 5;
  var photos = [];

  function photoNote(text) {
    var box = document.getElementById("errors-photos");
    box.innerHTML = "";
    if (text) {
      var p = document.createElement("p");
      p.className = "notice";
      p.textContent = text;
      box.appendChild(p);
    }
  }

  // The native input mirrors the kept photos, so a plain submit would send them too.
  function syncInput() {
    try {
      var transfer = new DataTransfer();
      photos.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
    } catch (e) { /* an old browser: the fetch send below still carries them */ }
  }

  function renderPreviews() {
    previews.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    previews.innerHTML = "";
    photos.forEach(function (file, index) {
      var item = document.createElement("li");
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      img.onerror = function () { img.remove(); };  // HEIC: no preview in most browsers
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = t.tRemove;
      remove.setAttribute("aria-label", t.tRemove + " " + file.name);
      remove.addEventListener("click", function () {
        photos.splice(index, 1);
        photoNote("");
        renderPreviews();
        syncInput();
      });
      item.append(img, name, remove);
      previews.appendChild(item);
    });
  }

  if (input) {
    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files || []);
      var room = maxPhotos - photos.length;
      photoNote(chosen.length > room ? t.tTooMany : "");
      photos = photos.concat(chosen.slice(0, Math.max(room, 0)));
      renderPreviews();
      syncInput();
    });
  }

  // A big JPEG, PNG or WebP is scaled down to the size the server keeps (2560 px) before it
  // travels: a weak connection carries a few hundred kilobytes instead of several megabytes.
  // The server sniffs and re-encodes whatever arrives; anything this cannot draw (HEIC in
  // most browsers) goes as it is.
  var keptSide = 2560;
  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size < 1500000) {
      return Promise.resolve(file);
    }
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, keptSide / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          URL.revokeObjectURL(url);
          if (!blob || blob.size >= file.size) return resolve(file);
          resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  // ------------------------------------------------------------------ where

  var lat = form.elements.lat;
  var lng = form.elements.lng;
  var area = form.elements.area;
  var mapBox = document.getElementById("map");
  var map = null;
  var marker = null;
  var pending = null;

  function value(name) {
    var field = form.elements[name];
    return field ? field.value : "";
  }

  function checkWhere() {
    var params = new URLSearchParams();
    ["category", "lat", "lng", "area"].forEach(function (name) {
      if (value(name)) params.set(name, value(name));
    });
    if (!params.has("lat") && !params.has("area")) return;
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(t.whereUrl + "?" + params.toString(), { signal: pending.signal })
      .then(function (response) { return response.text(); })
      .then(function (html) { document.getElementById("where").innerHTML = html; })
      .catch(function () { /* the send checks again */ });
  }

  function placeMarker(la, ln) {
    if (!map) return;
    if (marker) {
      marker.setLatLng([la, ln]);
    } else {
      marker = L.circleMarker([la, ln], {
        radius: 10, color: "#ffffff", weight: 3, fillColor: "#b3261e", fillOpacity: 1,
      }).addTo(map);
    }
  }

  function setPoint(la, ln) {
    lat.value = la.toFixed(6);
    lng.value = ln.toFixed(6);
    if (area) area.value = "";
    placeMarker(la, ln);
    checkWhere();
  }

  var outlineStyle = {
    street: { color: "#b3261e", weight: 3, fill: false },
    community: { color: "#5d6675", weight: 1, fillOpacity: 0.03 },
    park: { color: "#1f5fae", weight: 2, fillOpacity: 0.04 },
    compound: { color: "#1e7b45", weight: 1, fillOpacity: 0.12 },
    road: { color: "#a65f00", weight: 1, fillOpacity: 0.25 },
    building: { color: "#1f5fae", weight: 1, fillOpacity: 0.2 },
  };

  // Compounds and roads carry their names on the map; the street and communities do not.
  var labelled = { compound: true, road: true, park: true };
  var english = (document.documentElement.lang || "").indexOf("en") === 0;

  function showLabels() {
    mapBox.classList.toggle("labels-hidden", map.getZoom() < 14.5);
  }

  if (mapBox && window.L) {
    // On a phone one finger scrolls the page, never the map (it would trap the page);
    // two fingers move and zoom it (Leaflet's pinch follows the fingers).
    map = L.map(mapBox, {
      attributionControl: Boolean(mapBox.dataset.tiles),
      zoomSnap: 0.25,
      zoomControl: false,
      dragging: !L.Browser.mobile,
      tap: false,
    });
    L.control.zoom({
      zoomInTitle: mapBox.dataset.tZoomIn,
      zoomOutTitle: mapBox.dataset.tZoomOut,
    }).addTo(map);
    var b = (mapBox.dataset.bounds || "31.157,121.385,31.182,121.41").split(",").map(Number);
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]]);
    if (mapBox.dataset.tiles) L.tileLayer(mapBox.dataset.tiles, { maxZoom: 19 }).addTo(map);
    fetch(mapBox.dataset.outlines)
      .then(function (response) { return response.json(); })
      .then(function (data) {
        L.geoJSON(data, {
          interactive: false,
          style: function (feature) { return outlineStyle[feature.properties.kind] || {}; },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            if (!labelled[p.kind]) return;
            layer.bindTooltip((english && p.name_en) || p.name, {
              permanent: true, direction: "center", className: "area-label area-label-" + p.kind,
            });
          },
        }).addTo(map);
        showLabels();
      });
    map.on("zoomend", showLabels);
    map.on("click", function (event) { setPoint(event.latlng.lat, event.latlng.lng); });
    if (lat.value && lng.value) placeMarker(parseFloat(lat.value), parseFloat(lng.value));
  }

  var locate = document.getElementById("locate");
  var locateStatus = document.getElementById("locate-status");
  if (locate) {
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) {
        locateStatus.textContent = t.tNoLocation;
        return;
      }
      locateStatus.textContent = t.tLocating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          locateStatus.textContent = "";
          setPoint(position.coords.latitude, position.coords.longitude);
          if (map) map.setView([position.coords.latitude, position.coords.longitude], 17);
        },
        function () { locateStatus.textContent = t.tNoLocation; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  if (area) {
    area.addEventListener("change", function () {
      if (area.value) {
        lat.value = "";
        lng.value = "";
        if (marker) { marker.remove(); marker = null; }
      }
      checkWhere();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "category") checkWhere();
  });

  // ------------------------------------------------------------------ send

  var send = document.getElementById("send");
  var sendStatus = document.getElementById("send-status");
  var sendLabel = send.textContent;

  function swap(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    if (!page.getElementById("report-form")) {
      sendStatus.textContent = sendStatus.dataset.offline;
      return;
    }
    form.querySelectorAll("[data-swap][id]").forEach(function (region) {
      var fresh = page.getElementById(region.id);
      if (fresh) {
        region.replaceWith(document.adoptNode(fresh));
      } else {
        region.innerHTML = "";
      }
    });
    form.querySelectorAll(".errors[data-swap]").forEach(function (errors) {
      var field = errors.closest(".field");
      if (field) {
        field.classList.toggle("has-error", errors.textContent.trim() !== "");
        describe(field, errors);
      }
    });
    describePlace(page);
    // The photos are still here: the server's "choose them again" is for plain browsers.
    form.querySelectorAll("[data-photos-lost]").forEach(function (note) { note.remove(); });
    focusFirstError(page);
  }

  // The inputs stay in place when only the messages are swapped in: mark them as the
  // server would have (aria-invalid, described by their message and their help).
  function describe(field, errors) {
    var message = errors.querySelector(".errorlist[id]");
    var inputs = field.querySelectorAll("input:not([type=hidden]), select, textarea");
    inputs.forEach(function (input) {
      var ids = [];
      var help = field.querySelector(".help[id]");
      if (help) ids.push(help.id);
      if (message) ids.push(message.id);
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
      else input.removeAttribute("aria-describedby");
    });
    if (field.tagName === "FIELDSET") {
      if (message) field.setAttribute("aria-describedby", message.id);
      else field.removeAttribute("aria-describedby");
    }
  }

  // A place missing or outside the street is said in the "where" region; the list of
  // places stands for the map.
  function describePlace(page) {
    var fresh = page.getElementById("id_area");
    if (!area || !fresh) return;
    ["aria-invalid", "aria-describedby"].forEach(function (name) {
      if (fresh.hasAttribute(name)) area.setAttribute(name, fresh.getAttribute(name));
      else area.removeAttribute(name);
    });
  }

  // The server marks the first field with a message `autofocus` in its answer; the same
  // field takes the focus here. Without one (a message for the whole form, the nearby
  // question) the message itself is scrolled to.
  function focusFirstError(page) {
    var marked = page.querySelector("[autofocus]");
    var target = marked && marked.id ? document.getElementById(marked.id) : null;
    if (target) {
      target.focus();
      target.scrollIntoView({ block: "center" });
      return;
    }
    var first = form.querySelector(".form-errors.shown, .nearby");
    if (first) first.scrollIntoView({ block: "center" });
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData || !window.DOMParser) return;
    event.preventDefault();
    var submitter = event.submitter;
    var data = new FormData(form);
    data.delete("photos");
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var following = submitter && submitter.name === "follow";
    send.disabled = true;
    send.textContent = send.dataset.sending;
    sendStatus.textContent = "";
    Promise.all(following ? [] : photos.map(shrink))
      .then(function (files) {
        files.forEach(function (file) { data.append("photos", file, file.name); });
        return fetch(form.action, { method: "POST", body: data, credentials: "same-origin" });
      })
      .then(function (response) {
        if (response.redirected) {
          window.location.assign(response.url);
          return;
        }
        return response.text().then(function (html) {
          swap(html);
          send.disabled = false;
          send.textContent = sendLabel;
        });
      })
      .catch(function () {
        sendStatus.textContent = sendStatus.dataset.offline;
        send.disabled = false;
        send.textContent = sendLabel;
      });
  });
})();
