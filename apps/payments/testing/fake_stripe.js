/* A stand-in for Stripe.js v3, served by the fake Stripe server at /v3/ (STRIPE_JS_URL).
 *
 * It offers the calls a Payment Element checkout makes:
 *   var stripe = Stripe(publishableKey, {stripeAccount: "acct_..."});
 *   var elements = stripe.elements({clientSecret: clientSecret});
 *   elements.create("payment").mount("#payment-element");   // renders a card number field
 *   stripe.confirmPayment({elements: elements, confirmParams: {return_url: url}});
 * confirmPayment confirms the PaymentIntent at the fake and, like the real one, redirects to
 * return_url with payment_intent, payment_intent_client_secret and redirect_status, sends the
 * shopper to the 3-D Secure page first when the card needs it, and resolves {error} for a
 * declined card (the page shows error.message and the shopper can try again).
 */
(function () {
  "use strict";
  var BASE = "__FAKE_STRIPE_BASE__";

  function encode(data) {
    var params = new URLSearchParams();
    Object.keys(data).forEach(function (name) {
      if (data[name] !== undefined && data[name] !== null && data[name] !== "") params.append(name, data[name]);
    });
    return params;
  }

  function intentId(clientSecret) {
    return String(clientSecret || "").split("_secret_")[0];
  }

  function PaymentElement(elements, options) {
    this._elements = elements;
    this._options = options || {};
    this._node = null;
    this._handlers = {};
  }
  PaymentElement.prototype.mount = function (target) {
    var node = typeof target === "string" ? document.querySelector(target) : target;
    if (!node) throw new Error("fake Stripe.js: nothing to mount on for " + target);
    node.innerHTML =
      '<div class="fake-stripe-payment-element" data-fake-stripe="payment-element">' +
      '<label>Card number <input name="cardnumber" autocomplete="cc-number" inputmode="numeric" ' +
      'placeholder="4242 4242 4242 4242" data-fake-stripe="card-number"></label> ' +
      '<label>Expiry <input name="exp-date" value="12 / 34" data-fake-stripe="expiry"></label> ' +
      '<label>CVC <input name="cvc" value="123" data-fake-stripe="cvc"></label></div>';
    this._node = node;
    var ready = this._handlers.ready || [];
    var self = this;
    setTimeout(function () { ready.forEach(function (handler) { handler({elementType: "payment"}); }); }, 0);
    return self;
  };
  PaymentElement.prototype.on = function (name, handler) {
    (this._handlers[name] = this._handlers[name] || []).push(handler);
    return this;
  };
  PaymentElement.prototype.unmount = function () { if (this._node) this._node.innerHTML = ""; };
  PaymentElement.prototype.destroy = PaymentElement.prototype.unmount;
  PaymentElement.prototype._cardNumber = function () {
    var input = this._node && this._node.querySelector("[data-fake-stripe=card-number]");
    return input ? input.value.replace(/\D/g, "") : "";
  };

  function Elements(stripe, options) {
    this._stripe = stripe;
    this._clientSecret = options.clientSecret;
    this._element = null;
  }
  Elements.prototype.create = function (type, options) {
    if (type !== "payment") throw new Error("fake Stripe.js only has the payment element, not " + type);
    this._element = new PaymentElement(this, options);
    return this._element;
  };
  Elements.prototype.getElement = function (type) { return type === "payment" ? this._element : null; };
  Elements.prototype.submit = function () { return Promise.resolve({}); };
  Elements.prototype.update = function () {};

  function Stripe(key, options) {
    if (!(this instanceof Stripe)) return new Stripe(key, options);
    if (!key) throw new Error("fake Stripe.js: a publishable key is required");
    this._key = key;
    this._account = (options && options.stripeAccount) || "";
  }
  Stripe.prototype.elements = function (options) { return new Elements(this, options || {}); };

  Stripe.prototype._post = function (path, data) {
    return fetch(BASE + path, {method: "POST", body: encode(data)}).then(function (response) {
      return response.json();
    });
  };

  Stripe.prototype.confirmPayment = function (params) {
    var elements = params.elements;
    var secret = params.clientSecret || elements._clientSecret;
    var returnUrl = (params.confirmParams || {}).return_url;
    var element = elements._element;
    var data = {
      key: this._key,
      client_secret: secret,
      _stripe_account: this._account,
      "payment_method_data[type]": "card",
      "payment_method_data[card][number]": element ? element._cardNumber() : "",
      return_url: returnUrl
    };
    return this._post("/v1/payment_intents/" + intentId(secret) + "/confirm", data).then(function (body) {
      if (body.error) return {error: body.error};
      var intent = body;
      if (intent.status === "requires_action" && intent.next_action && intent.next_action.redirect_to_url) {
        window.location.assign(intent.next_action.redirect_to_url.url);
        return new Promise(function () {});
      }
      if (params.redirect === "if_required" && intent.status === "succeeded") return {paymentIntent: intent};
      var url = new URL(returnUrl, window.location.href);
      url.searchParams.set("payment_intent", intent.id);
      url.searchParams.set("payment_intent_client_secret", secret);
      url.searchParams.set(
        "redirect_status",
        intent.status === "succeeded" ? "succeeded" : intent.status === "processing" ? "pending" : "failed"
      );
      window.location.assign(url.toString());
      return new Promise(function () {});
    });
  };

  Stripe.prototype.retrievePaymentIntent = function (secret) {
    var query = encode({key: this._key, client_secret: secret, _stripe_account: this._account});
    return fetch(BASE + "/v1/payment_intents/" + intentId(secret) + "?" + query.toString()).then(function (response) {
      return response.json().then(function (body) {
        return body.error ? {error: body.error} : {paymentIntent: body};
      });
    });
  };

  window.Stripe = Stripe;
})();
