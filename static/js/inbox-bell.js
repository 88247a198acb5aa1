// The notification bell: asks for the unread count every minute while the page is visible and
// updates the badge and its label (no reload, no library).
(function () {
  "use strict";
  var bell = document.getElementById("inbox-bell");
  if (!bell || bell.getAttribute("data-polling") === "1") return;
  bell.setAttribute("data-polling", "1");
  var url = bell.getAttribute("data-count-url");
  var badge = document.getElementById("inbox-badge");
  function render(state) {
    badge.textContent = state.label;
    badge.hidden = !state.unread;
    bell.setAttribute(
      "aria-label",
      state.unread
        ? bell.getAttribute("data-label-some").replace("%(label)s", state.label)
        : bell.getAttribute("data-label-none")
    );
  }
  function poll() {
    if (document.hidden) return;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) render(state); })
      .catch(function () {});
  }
  setInterval(poll, 60000);
  document.addEventListener("visibilitychange", poll);
})();
