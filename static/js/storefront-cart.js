/* The cart without full page reloads. Forms keep working without this script (plain POSTs that
   redirect); with it, they are sent with fetch and "X-Requested-With: XMLHttpRequest", and the
   server answers with an HTML fragment:
   - on the cart page ([data-cart]), the cart's new contents, which replace the old ones;
   - from an add-to-cart form (form[data-cart-add], e.g. the product page), a status line put in
     the form's [data-cart-status] element next to its fields.
   Either way the header's count ([data-cart-count]) is set from the X-Cart-Count header. */
(function () {
  "use strict";

  var live = document.querySelector("[data-cart-live]");

  function setCount(response) {
    var count = response.headers.get("X-Cart-Count");
    if (count === null) { return; }
    document.querySelectorAll("[data-cart-count]").forEach(function (node) { node.textContent = count; });
  }

  function announce(text) {
    if (live) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  }

  function send(form, submitter) {
    var body = new FormData(form);
    if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", "Accept": "text/html" }
    }).then(function (response) {
      // 422: refused, with the message in the fragment; anything else unexpected falls back.
      if (!response.ok && response.status !== 422) { throw new Error("cart request failed: " + response.status); }
      setCount(response);
      return response.text().then(function (html) { return { ok: response.ok, html: html }; });
    });
  }

  function replaceCart(cart, html) {
    var focusedId = document.activeElement && document.activeElement.id;
    cart.innerHTML = html;
    var again = focusedId && document.getElementById(focusedId);
    var problem = cart.querySelector("[aria-invalid=true]");
    if (problem) { problem.focus(); } else if (again) { again.focus(); } else {
      var heading = document.querySelector(".cart-title");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  }

  function onCartSubmit(event, cart, form) {
    event.preventDefault();
    if (cart.getAttribute("aria-busy") === "true") { return; }
    cart.setAttribute("aria-busy", "true");
    send(form, event.submitter).then(function (result) {
      replaceCart(cart, result.html);
      var error = cart.querySelector(".field-error");
      announce(error ? error.textContent : (cart.dataset.updatedText || "Cart updated"));
    }).catch(function () {
      form.submit();  // the server still knows how to answer a plain form
    }).finally(function () {
      cart.removeAttribute("aria-busy");
    });
  }

  function onAddSubmit(event, form) {
    event.preventDefault();
    var status = form.querySelector("[data-cart-status]");
    if (!status) { form.submit(); return; }
    form.setAttribute("aria-busy", "true");
    send(form, event.submitter).then(function (result) {
      status.innerHTML = result.html;
    }).catch(function () {
      form.submit();
    }).finally(function () {
      form.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !window.fetch) { return; }
    var cart = form.closest("[data-cart]");
    if (cart && form.hasAttribute("data-cart-form")) { onCartSubmit(event, cart, form); }
    else if (form.hasAttribute("data-cart-add")) { onAddSubmit(event, form); }
  });

  // On the cart page a changed quantity is sent at once; the Update buttons are for no-JS.
  var timer = null;
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.name !== "quantity") { return; }
    var form = input.form;
    if (!form || !form.closest("[data-cart]") || !form.hasAttribute("data-cart-form")) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { form.requestSubmit(); }, 250);
  });

  document.querySelectorAll("[data-cart]").forEach(function (cart) { cart.classList.add("cart-js"); });
}());
