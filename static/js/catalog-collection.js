// Collection editor: show the conditions or the product picker for the chosen type, and filter
// the listed products as a name is typed (the Search button searches the whole catalog).
(function () {
  "use strict";
  var form = document.getElementById("collection-form");
  if (!form) return;
  var sections = Array.prototype.slice.call(form.querySelectorAll("[data-kind]"));
  function showKind() {
    var checked = form.querySelector("input[name='kind']:checked");
    var kind = checked ? checked.value : "manual";
    sections.forEach(function (section) { section.hidden = section.getAttribute("data-kind") !== kind; });
  }
  Array.prototype.forEach.call(form.querySelectorAll("input[name='kind']"), function (radio) {
    radio.addEventListener("change", showKind);
  });
  showKind();

  var search = document.getElementById("product-search");
  var list = search && document.getElementById(search.getAttribute("data-filter-list"));
  if (list) {
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLowerCase();
      Array.prototype.forEach.call(list.querySelectorAll("li"), function (item) {
        item.hidden = needle !== "" && item.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  }
})();
