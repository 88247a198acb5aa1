// Product editor: builds the variant matrix (one row per combination of option values) as the
// options are typed, keeping what was already entered in each row. Without JavaScript the
// "Generate variants" button does the same on the server (apps/catalog/dashboard/forms/editor.py matrix_rows).
(function () {
  "use strict";
  var editor = document.getElementById("variant-editor");
  if (!editor) return;
  var prefix = editor.getAttribute("data-prefix");
  var max = parseInt(editor.getAttribute("data-max"), 10) || 100;
  var body = editor.querySelector("table.variants tbody");
  var template = document.getElementById("variant-row-template");
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var warning = document.getElementById("variant-warning");
  var SLOTS = [1, 2, 3];
  var SEP = "\u001f";

  function optionField(kind, n) {
    return document.querySelector("[data-option-" + kind + "='" + n + "']");
  }

  function split(text) {
    var seen = [];
    (text || "").split(",").forEach(function (part) {
      part = part.replace(/\s+/g, " ").trim();
      if (part && seen.indexOf(part) === -1) seen.push(part);
    });
    return seen;
  }

  function options() {
    return SLOTS.map(function (n) {
      var name = optionField("name", n), values = optionField("values", n);
      return {
        slot: n,
        name: name ? name.value.replace(/\s+/g, " ").trim() : "",
        values: values ? split(values.value) : []
      };
    }).filter(function (o) { return o.name && o.values.length; });
  }

  function cell(row, n) { return row.querySelector("[data-option-cell='" + n + "']"); }

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr.variant-row")); }

  function key(row) {
    return SLOTS.map(function (n) { return cell(row, n).value.replace(/\s+/g, " ").trim(); }).join(SEP);
  }

  function removed(row) {
    var box = row.querySelector("input[name$='-DELETE']");
    return box && box.checked;
  }

  function newRow() {
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.trim();
    return holder.querySelector("tr.variant-row");
  }

  function renumber() {
    var pattern = new RegExp("^(id_)?" + prefix + "-(\\d+|__prefix__)-");
    rows().forEach(function (row, index) {
      Array.prototype.forEach.call(row.querySelectorAll("input, select, textarea, label"), function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && pattern.test(value)) {
            el.setAttribute(attr, value.replace(pattern, function (_m, id) { return (id || "") + prefix + "-" + index + "-"; }));
          }
        });
      });
    });
    total.value = rows().length;
  }

  function showSlots(active) {
    var used = active.map(function (o) { return o.slot; });
    SLOTS.forEach(function (n) {
      var option = active.filter(function (o) { return o.slot === n; })[0];
      Array.prototype.forEach.call(editor.querySelectorAll("[data-slot='" + n + "']"), function (el) {
        el.hidden = used.indexOf(n) === -1;
        if (el.tagName === "TH" && option) el.textContent = option.name;
      });
    });
    rows().forEach(function (row) {
      SLOTS.forEach(function (n) { cell(row, n).readOnly = true; });
    });
  }

  function regenerate() {
    var active = options();
    var combos = [["", "", ""]];
    active.forEach(function (option) {
      var next = [];
      combos.forEach(function (combo) {
        option.values.forEach(function (value) {
          var copy = combo.slice();
          copy[option.slot - 1] = value;
          next.push(copy);
        });
      });
      combos = next;
    });
    if (combos.length > max) {
      warning.textContent = editor.getAttribute("data-too-many");
      warning.hidden = false;
      return;
    }
    warning.hidden = true;
    var existing = {}, order = [];
    rows().forEach(function (row) {
      var k = key(row);
      if (removed(row) || Object.prototype.hasOwnProperty.call(existing, k)) return;
      existing[k] = row;
      order.push(k);
    });
    var wanted = {};
    combos.forEach(function (combo) { wanted[combo.join(SEP)] = true; });
    // Rows whose combination is gone fill new combinations in order, so a product's first
    // variant keeps its SKU and price when it gets its first option.
    var spare = order.filter(function (k) { return !wanted[k]; }).map(function (k) { return existing[k]; });
    var fragment = document.createDocumentFragment();
    combos.forEach(function (combo) {
      var k = combo.join(SEP);
      var row = existing[k] || spare.shift() || newRow();
      SLOTS.forEach(function (n) { cell(row, n).value = combo[n - 1]; });
      fragment.appendChild(row);
    });
    body.innerHTML = "";
    body.appendChild(fragment);
    renumber();
    showSlots(active);
  }

  SLOTS.forEach(function (n) {
    ["name", "values"].forEach(function (kind) {
      var field = optionField(kind, n);
      if (field) field.addEventListener("change", regenerate);
    });
  });
  var button = document.getElementById("matrix-button");
  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      regenerate();
    });
  }
  // The option cells follow the options above once the script runs.
  showSlots(options());
})();
