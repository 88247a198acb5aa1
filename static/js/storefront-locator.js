/* Store locator: "Sort by distance from me" asks the browser for the shopper's position and
   reloads the page with ?lat=&lng= (rounded to ~100 m); the server sorts. Without script, or
   when the shopper says no, the list stays sorted by name. Nothing is sent anywhere else. */
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  var status = document.querySelector("[data-locate-status]");
  if (!button) { return; }

  function say(text) {
    if (!status) { return; }
    status.textContent = text;
    status.hidden = false;
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (!("geolocation" in navigator)) {
      say(button.getAttribute("data-unsupported"));
      return;
    }
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var url = new URL(window.location.href);
        url.searchParams.set("lat", position.coords.latitude.toFixed(3));
        url.searchParams.set("lng", position.coords.longitude.toFixed(3));
        window.location.assign(url.toString());
      },
      function () {
        button.disabled = false;
        say(button.getAttribute("data-failed"));
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();
