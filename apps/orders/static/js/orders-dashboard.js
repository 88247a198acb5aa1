// Orders pages: a "Copy" button next to a payment link (without JavaScript the link is a
// read-only field to select and copy by hand, and the button stays hidden).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || "✓";
      });
    });
  });
})();
