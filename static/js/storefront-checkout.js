/* The checkout's few enhancements. Every page works without this script (plain forms); with it:
   - a form marked [data-submit-once] disables its submit buttons once sent, so a double click
     sends it once (the server is safe either way: placing an order is idempotent);
   - the payment methods show only the chosen method's fields ([data-method-panel]);
   - the billing address is hidden while "same as shipping" is ticked;
   - the card page ([data-stripe-card]) mounts Stripe's Payment Element with the PaymentIntent's
     client secret and confirms it; Stripe.js then sends the shopper to the return page. A
     declined card shows Stripe's message and the shopper can try again. */
(function () {
  "use strict";

  function busy(form, on) {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      if (on) {
        if (!button.dataset.idleText) { button.dataset.idleText = button.textContent; }
        if (form.dataset.busyText) { button.textContent = form.dataset.busyText; }
        button.disabled = true;
      } else {
        if (button.dataset.idleText) { button.textContent = button.dataset.idleText; }
        button.disabled = false;
      }
    });
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  // one submission per form; the browser's own back/forward cache brings pages back enabled
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
      // after the browser collected the form's data, so the submitter still counts
      window.setTimeout(function () { busy(form, true); }, 0);
    });
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.dataset.sent = "";
      busy(form, false);
    });
  });

  // payment methods: the chosen one's fields only
  document.querySelectorAll("[data-methods]").forEach(function (group) {
    var radios = group.querySelectorAll("[data-method-radio]");
    function show() {
      radios.forEach(function (radio) {
        var panel = group.querySelector('[data-method-panel="' + radio.value + '"]');
        if (panel) { panel.hidden = !radio.checked; }
        var card = radio.closest("[data-method]");
        if (card) { card.classList.toggle("is-selected", radio.checked); }
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", show); });
    show();
  });

  // billing address only when it differs
  var same = document.querySelector("input[name=billing_same]");
  var billing = document.querySelector("[data-billing-address]");
  if (same && billing) {
    var toggle = function () { billing.hidden = same.checked; };
    same.addEventListener("change", toggle);
    toggle();
  }

  // Stripe's Payment Element
  var cardForm = document.querySelector("form[data-stripe-card]");
  if (cardForm) {
    var error = document.getElementById("card-error");
    var submit = cardForm.querySelector("[data-card-submit]");
    var showError = function (message) {
      error.textContent = message;
      error.hidden = !message;
    };
    if (typeof window.Stripe !== "function") {
      showError(cardForm.dataset.unavailableText || "Card payments could not be loaded. Reload the page or choose another payment method.");
      return;
    }
    var options = cardForm.dataset.stripeAccount ? { stripeAccount: cardForm.dataset.stripeAccount } : undefined;
    var stripe = window.Stripe(cardForm.dataset.stripeKey, options);
    var elements = stripe.elements({ clientSecret: cardForm.dataset.clientSecret });
    var element = elements.create("payment");
    element.on("ready", function () { submit.disabled = false; });
    element.mount(cardForm.querySelector("[data-payment-element]"));
    cardForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submit.disabled) { return; }
      showError("");
      busy(cardForm, true);
      stripe.confirmPayment({ elements: elements, confirmParams: { return_url: cardForm.dataset.returnUrl } })
        .then(function (result) {
          // Only reached when the payment did not go through (otherwise Stripe.js navigates away).
          if (result && result.error) { showError(result.error.message || ""); }
          busy(cardForm, false);
        });
    });
  }
})();
