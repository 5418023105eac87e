/* The category suggestion on the public report form (docs/learning.md).
 *
 * While the resident types the description, ask the server for the likeliest categories
 * (/report/suggest/?text=…) and offer them as buttons; a tap chooses that category in the
 * list above. Without JavaScript, or without a trained model, the plain list is all there is.
 */
(function () {
  "use strict";

  var box = document.getElementById("category-suggest");
  if (!box) return;
  var field = document.getElementById(box.dataset.for);
  var choices = box.querySelector(".suggest-choices");
  if (!field || !choices) return;
  var timer = null;
  var asked = "";

  function choose(code) {
    var radio = document.getElementById("cat-" + code);
    if (!radio) return;
    var more = radio.closest("details");
    if (more) more.open = true;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    radio.focus();
  }

  function show(suggestions) {
    choices.innerHTML = "";
    suggestions.forEach(function (s) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button small secondary suggestion";
      button.dataset.code = s.code;
      button.textContent = s.label + " " + Math.round(s.confidence * 100) + "%";
      button.addEventListener("click", function () { choose(s.code); });
      choices.appendChild(button);
    });
    box.hidden = suggestions.length === 0;
  }

  function ask() {
    var text = field.value.trim();
    if (text === asked) return;
    asked = text;
    if (text.length < 2) { show([]); return; }
    fetch(box.dataset.url + "?text=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (asked === text) show(data.suggestions || []); })
      .catch(function () { show([]); });
  }

  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  if (field.value) ask();
})();
