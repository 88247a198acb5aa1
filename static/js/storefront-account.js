// Wishlist buttons without a page reload: the same form POST, sent with fetch; the server answers
// with the button's new HTML (apps/storefront/views/account.py). Without script, the form posts
// and the page comes back with a message. A signed-out shopper is sent to sign in.
(function () {
  "use strict";
  function bind(root) {
    root.querySelectorAll("form[data-wishlist-form]").forEach(function (form) {
      if (form.dataset.bound) { return; }
      form.dataset.bound = "1";
      form.addEventListener("submit", function (event) {
        if (!window.fetch) { return; }
        event.preventDefault();
        var box = form.closest("[data-wishlist]");
        box.setAttribute("aria-busy", "true");
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "XMLHttpRequest" },
          credentials: "same-origin"
        }).then(function (response) {
          if (response.status === 401) {
            var next = encodeURIComponent(window.location.pathname + window.location.search);
            window.location.href = (response.headers.get("X-Login-URL") || "/accounts/login/") + "?next=" + next;
            return null;
          }
          return response.text().then(function (html) {
            var holder = document.createElement("div");
            holder.innerHTML = html;
            var fresh = holder.querySelector("[data-wishlist]");
            if (fresh) {
              box.replaceWith(fresh);
              bind(fresh);
              var button = fresh.querySelector("button");
              if (button) { button.focus(); }
            }
          });
        }).catch(function () {
          form.submit();
        }).finally(function () {
          box.removeAttribute("aria-busy");
        });
      });
    });
  }
  bind(document);
})();
