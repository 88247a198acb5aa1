// Polls the store's provisioning status until it is ready or has failed.
(function () {
  "use strict";
  var box = document.getElementById("provisioning");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  function render(state) {
    document.getElementById("status-label").textContent = state.status_label;
    document.getElementById("status-label").className = "badge status-" + state.status;
    document.getElementById("step-label").textContent = state.step_label;
    var bar = document.getElementById("progress-bar");
    bar.style.width = state.progress + "%";
    bar.parentNode.setAttribute("aria-valuenow", state.progress);
    var errorBox = document.getElementById("error-box");
    document.getElementById("error-text").textContent = state.error || "";
    errorBox.hidden = !state.error;
    document.getElementById("open-form").hidden = !state.done;
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        render(state);
        if (state.status === "provisioning") setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box.getAttribute("data-state") === "provisioning") poll();
})();
