// Live preview of an email template: posts the form (debounced) and shows the rendered email
// or the problem found, without saving anything.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (!form) return;
  var url = form.getAttribute("data-preview-url");
  var frame = document.getElementById("preview-html");
  var subject = document.getElementById("preview-subject");
  var text = document.getElementById("preview-text");
  var error = document.getElementById("preview-error");
  var timer = null;
  function refresh() {
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var problems = Object.keys(data.errors || {}).map(function (part) { return data.errors[part]; });
        if (data.error) problems.push(data.error);
        error.textContent = problems.join(" ");
        error.hidden = problems.length === 0;
        if (problems.length === 0) {
          subject.textContent = data.subject || "";
          frame.srcdoc = data.html || "";
          text.textContent = data.text || "";
        }
      })
      .catch(function () { /* the saved preview stays */ });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
})();
