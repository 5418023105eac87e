// Joint meetings: the print button of the agenda and minutes pages.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
