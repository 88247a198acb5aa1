// Product list: "select all" on the page, the count of selected rows, only the input the chosen
// bulk action needs, and option facets that apply as soon as they are ticked.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (form) {
    var all = document.getElementById("select-all");
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name='products']"));
    var count = document.getElementById("bulk-count");
    var submit = form.querySelector(".bulk-bar button[type='submit']");
    var action = form.querySelector("select[name='action']");
    var update = function () {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      count.textContent = n ? count.getAttribute("data-template").replace("%(n)s", n) : "";
      submit.disabled = n === 0;
      all.checked = n === boxes.length && n > 0;
      all.indeterminate = n > 0 && n < boxes.length;
    };
    var showParams = function () {
      Array.prototype.forEach.call(form.querySelectorAll("[data-bulk-param]"), function (el) {
        el.hidden = el.getAttribute("data-bulk-param").split(" ").indexOf(action.value) === -1;
      });
    };
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    action.addEventListener("change", showParams);
    update();
    showParams();
  }
  var filters = document.getElementById("product-filters");
  Array.prototype.forEach.call(document.querySelectorAll("input[name='option'][form='product-filters']"), function (box) {
    box.addEventListener("change", function () { filters.submit(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".js-hide"), function (el) { el.hidden = true; });
})();
