// The action items panel (templates/actions/partials/panel_section.html) answers a
// refused form with a 400 and the panel showing what to fix. htmx does not swap an error
// response by default; for the panel's own requests it does.
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail.target;
  if (event.detail.xhr.status === 400 && target && target.closest("[data-swap-refusals]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
