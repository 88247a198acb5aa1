// Import progress: polls the run's status every second while it is waiting or running, then
// reloads once so the table of problems shows.
(function () {
  "use strict";
  var box = document.getElementById("import-run");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  function text(id, value) { document.getElementById(id).textContent = value; }
  function render(state) {
    var badge = document.getElementById("import-status");
    badge.textContent = state.status_label;
    badge.className = "badge status-" + state.status;
    var bar = document.getElementById("import-bar");
    bar.style.width = state.progress + "%";
    bar.parentNode.setAttribute("aria-valuenow", state.progress);
    text("import-progress", state.progress);
    text("import-processed", state.processed_rows);
    text("import-total", state.total_rows);
    text("import-created", state.created_count);
    text("import-updated", state.updated_count);
    text("import-errors", state.error_count);
    text("import-failure-text", state.failure_reason || "");
    document.getElementById("import-failure").hidden = !state.failure_reason;
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        render(state);
        if (state.done) window.location.reload();
        else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box.getAttribute("data-done") !== "1") setTimeout(poll, 1000);
})();
