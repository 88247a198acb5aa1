// The theme editor's small enhancements (everything works without them): each colour's text box
// and picker follow one another, and a colour or the radius being changed restyles the preview
// at once (the frame is same-origin), before the draft is saved and the frame reloads with it;
// links in the frame keep the preview pass.
(function () {
  "use strict";
  var frame = document.getElementById("theme-preview");

  function restyle(input, value) {
    var names = (input.getAttribute("data-css-vars") || "").split(" ").filter(Boolean);
    if (!frame || !names.length) return;
    var doc;
    try { doc = frame.contentDocument; } catch (e) { return; }
    if (!doc || !doc.documentElement) return;
    names.forEach(function (name) { doc.documentElement.style.setProperty(name, value); });
  }

  document.querySelectorAll(".theme-color").forEach(function (box) {
    var text = box.querySelector(".color-text");
    var picker = box.querySelector(".color-picker");
    var shown = box.querySelector("input[type=hidden]");
    if (!text || !picker) return;
    picker.addEventListener("input", function () {
      text.value = picker.value;
      if (shown) shown.value = "";  // the text box now carries the choice
      restyle(picker, picker.value);
    });
    text.addEventListener("input", function () {
      var value = text.value.trim();
      if (/^#[0-9a-fA-F]{6}$/.test(value)) {
        picker.value = value.toLowerCase();
        restyle(picker, value);
      }
    });
  });

  // Links inside the preview keep the pass, so the merchant can browse the store in the draft.
  function keepPass() {
    var doc, pass;
    try {
      doc = frame.contentDocument;
      pass = new URL(frame.src, window.location.href).searchParams.get("theme_preview");
    } catch (e) { return; }
    if (!doc || !pass) return;
    doc.querySelectorAll("a[href]").forEach(function (link) {
      var url;
      try { url = new URL(link.href, doc.baseURI); } catch (e) { return; }
      if (url.origin !== window.location.origin || url.pathname.indexOf("/dashboard") === 0 ||
          url.pathname.indexOf("/accounts") === 0) return;
      url.searchParams.set("theme_preview", pass);
      link.href = url.toString();
    });
  }
  if (frame) {
    frame.addEventListener("load", keepPass);
    try {
      if (frame.contentDocument && frame.contentDocument.readyState === "complete") keepPass();
    } catch (e) { /* not same-origin: nothing to do */ }
  }

  document.querySelectorAll("input[data-unit]").forEach(function (input) {
    input.addEventListener("input", function () {
      if (input.value !== "" && !isNaN(Number(input.value))) restyle(input, input.value + input.getAttribute("data-unit"));
    });
  });
})();
