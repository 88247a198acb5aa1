// Checkout set-up forms (shipping rates, discounts): show only the fields the chosen type uses,
// and hide the code field of an automatic discount. Without JavaScript every field shows and
// the server ignores the ones the type does not use.
(function () {
  "use strict";
  var form = document.querySelector("form[data-kind-field]");
  if (!form) return;
  var kindInput = form.querySelector("[name='" + form.getAttribute("data-kind-field") + "']");
  var automatic = form.querySelector("input[name='automatic']");
  function update() {
    var kind = kindInput ? kindInput.value : "";
    Array.prototype.forEach.call(form.querySelectorAll("[data-kinds]"), function (element) {
      element.hidden = element.getAttribute("data-kinds").split(" ").indexOf(kind) === -1;
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-code-only]"), function (element) {
      element.hidden = Boolean(automatic && automatic.checked);
    });
  }
  if (kindInput) kindInput.addEventListener("change", update);
  if (automatic) automatic.addEventListener("change", update);
  update();
})();
