/* Catalog pages. Everything here improves pages that work without it:
   - listings: a change of sort, option value or "in stock" submits the filter form at once
     (without script the form's Apply button does it);
   - product page: the variant picker. The server renders the matrix of variants as JSON
     (<script id="sf-variant-matrix" type="application/json">: options with their values, and
     every variant that exists with its values, whether it can be bought, its price, stock and
     delivery texts). The picker replaces the plain <select name="variant"> with one group of
     buttons per option; a value is disabled when, with the values chosen in the options before
     it, no variant exists or none is in stock. Choosing updates the price, compare-at price,
     stock state, delivery estimate, the add button and the variant id the form posts. */
(function () {
  "use strict";

  // Empty price boxes stay out of the URL ("?price_min=&price_max=" says nothing).
  function submitClean(form) {
    form.querySelectorAll("input[type=number]").forEach(function (input) {
      if (!input.value) { input.disabled = true; }
    });
    form.submit();
  }

  function autosubmit() {
    document.querySelectorAll("form[data-filters]").forEach(function (form) {
      form.addEventListener("change", function (event) {
        if (event.target.hasAttribute("data-autosubmit")) { submitClean(form); }
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        submitClean(form);
      });
    });
  }

  function readMatrix() {
    var node = document.getElementById("sf-variant-matrix");
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (error) { return null; }
  }

  function setText(root, selector, text) {
    var node = root.querySelector(selector);
    if (node) { node.textContent = text; }
    return node;
  }

  function picker(matrix) {
    var form = document.querySelector("form[data-variant-form]");
    var box = form && form.querySelector("[data-variant-picker]");
    var select = form && form.querySelector("[data-variant-select] select");
    if (!form || !box || !select || !matrix.options.length) { return; }
    var groups = Array.prototype.slice.call(box.querySelectorAll("fieldset[data-option-index]"));
    var product = document.querySelector("[data-product]");
    var button = form.querySelector("[data-add-button]");

    // The form now posts the picked variant through a hidden input; the select goes away.
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "variant";
    hidden.value = select.value;
    form.insertBefore(hidden, form.firstChild);
    select.closest("[data-variant-select]").hidden = true;
    select.disabled = true;
    box.hidden = false;

    function chosen() {
      return groups.map(function (group) {
        var checked = group.querySelector("input:checked");
        return checked ? checked.value : null;
      });
    }

    function matches(variant, values, upTo) {
      for (var i = 0; i <= upTo; i += 1) {
        if (values[i] !== null && variant.values[i] !== values[i]) { return false; }
      }
      return true;
    }

    function find(values) {
      for (var i = 0; i < matrix.variants.length; i += 1) {
        if (matches(matrix.variants[i], values, values.length - 1)) { return matrix.variants[i]; }
      }
      return null;
    }

    // Enable a value of option `index` when a variant in stock has it together with the values
    // chosen in the options before; after a change, a chosen value that is no longer possible
    // gives way to the first that is (on load, the variant the page was opened with stays).
    function refresh(switchValues) {
      var values = chosen();
      groups.forEach(function (group, index) {
        var firstOpen = null;
        group.querySelectorAll("input[type=radio]").forEach(function (input) {
          var trial = values.slice(0, index).concat([input.value]);
          var exists = false;
          var inStock = false;
          matrix.variants.forEach(function (variant) {
            if (matches(variant, trial, index)) {
              exists = true;
              if (variant.available) { inStock = true; }
            }
          });
          input.disabled = !inStock;
          var label = input.closest("label");
          if (label) {
            label.classList.toggle("is-sold-out", exists && !inStock);
            label.classList.toggle("is-missing", !exists);
            label.title = !exists ? matrix.labels.unavailable : (!inStock ? matrix.labels.sold_out : "");
          }
          if (inStock && firstOpen === null) { firstOpen = input; }
        });
        var current = group.querySelector("input:checked");
        if (switchValues && (!current || current.disabled) && firstOpen) {
          firstOpen.checked = true;
          values[index] = firstOpen.value;
        }
      });
      show(find(chosen()), switchValues);
    }

    function show(variant, remember) {
      if (!variant) {
        hidden.value = "";
        if (button) { button.disabled = true; button.textContent = matrix.labels.unavailable; }
        return;
      }
      hidden.value = String(variant.id);
      setText(product, "[data-variant-price]", variant.price);
      var compare = product.querySelector("[data-variant-compare]");
      if (compare) {
        compare.hidden = !variant.compare_at_price;
        setText(compare, "[data-variant-compare-amount]", variant.compare_at_price);
      }
      var stock = setText(product, "[data-variant-stock]", variant.stock_label);
      if (stock) { stock.className = "sf-stock sf-stock-" + variant.stock_state; }
      setText(product, "[data-variant-delivery]", variant.delivery);
      if (button) {
        button.disabled = !variant.available;
        button.textContent = variant.available ? matrix.labels.add : matrix.labels.sold_out;
      }
      if (remember && window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.set("variant", String(variant.id));
        window.history.replaceState(null, "", url.toString());
      }
    }

    box.addEventListener("change", function () { refresh(true); });
    refresh(false);
  }

  // On a phone the filters start folded so the products come first (open without script, and
  // open when filters are applied, so the shopper sees what narrows the list).
  function foldFilters() {
    if (!window.matchMedia || !window.matchMedia("(max-width: 899px)").matches) { return; }
    document.querySelectorAll("details.sf-filters-toggle").forEach(function (details) {
      if (!details.hasAttribute("data-active")) { details.open = false; }
    });
  }

  function start() {
    foldFilters();
    autosubmit();
    var matrix = readMatrix();
    if (matrix) { picker(matrix); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
