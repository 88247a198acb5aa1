// Countdown blocks of the home page: the end date is in the page already (it works without
// script); this adds a clock that ticks down, and the block's "ended" text once it is over.
(function () {
  "use strict";
  function pad(value) { return String(value).padStart(2, "0"); }
  function start(block) {
    var end = Date.parse(block.getAttribute("data-countdown"));
    var clock = block.querySelector("[data-countdown-clock]");
    if (!clock || isNaN(end)) { return; }
    clock.hidden = false;
    function tick() {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      if (left === 0) {
        clock.textContent = clock.getAttribute("data-ended-text");
        window.clearInterval(timer);
        return;
      }
      var days = Math.floor(left / 86400);
      var hours = Math.floor((left % 86400) / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      var seconds = left % 60;
      clock.textContent = days + " " + clock.getAttribute("data-label-days") + " " +
        pad(hours) + " " + clock.getAttribute("data-label-hours") + " " +
        pad(minutes) + " " + clock.getAttribute("data-label-minutes") + " " +
        pad(seconds) + " " + clock.getAttribute("data-label-seconds");
    }
    var timer = window.setInterval(tick, 1000);
    tick();
  }
  document.querySelectorAll("[data-countdown]").forEach(start);
})();
