// The dashboard's shell: the light/dark switch and the collapsed sidebar (both remembered in
// localStorage; the inline script in dashboard/base.html applies them before the first paint),
// the phones' menu (a <details>: Escape closes it), and the command palette (Ctrl/Cmd+K or the
// header's Search button) over /dashboard/search/. Without script the menu still opens, the
// colours follow the system and Search leads to the plain results page.
(function () {
  "use strict";
  var root = document.documentElement;
  var store = {
    get: function (key) { try { return localStorage.getItem(key); } catch (e) { return null; } },
    set: function (key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  };

  // ---- light / dark ------------------------------------------------------------------
  var systemDark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var themeButton = document.querySelector("[data-theme-toggle]");
  var isDark = function () {
    var chosen = root.getAttribute("data-theme");
    return chosen ? chosen === "dark" : !!(systemDark && systemDark.matches);
  };
  var showTheme = function () { if (themeButton) themeButton.setAttribute("aria-pressed", String(isDark())); };
  if (themeButton) {
    themeButton.hidden = false;
    themeButton.addEventListener("click", function () {
      var next = isDark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      store.set("dashboard-theme", next);
      showTheme();
    });
    if (systemDark && systemDark.addEventListener) systemDark.addEventListener("change", showTheme);
    showTheme();
  }

  // ---- the sidebar: collapsed on wide screens, a drawer on phones ----------------------
  var phone = window.matchMedia ? window.matchMedia("(max-width: 700px)") : { matches: false };
  var drawer = document.getElementById("nav-drawer");
  var summary = drawer && drawer.querySelector("summary");
  var toggle = document.querySelector("[data-sidebar-toggle]");
  var showSidebar = function () {
    if (!toggle) return;
    var collapsed = root.getAttribute("data-sidebar") === "collapsed";
    var label = toggle.getAttribute(collapsed ? "data-label-expand" : "data-label-collapse");
    toggle.setAttribute("aria-expanded", String(!collapsed));
    toggle.title = label;
    toggle.querySelector(".visually-hidden").textContent = label;
  };
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var collapse = root.getAttribute("data-sidebar") !== "collapsed";
      if (collapse) root.setAttribute("data-sidebar", "collapsed"); else root.removeAttribute("data-sidebar");
      store.set("dashboard-sidebar", collapse ? "collapsed" : "open");
      showSidebar();
    });
    showSidebar();
  }
  if (drawer && summary) {
    // Browsers without ::details-content keep the drawer open beside the page on wide screens.
    var supported = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
    var fit = function () {
      if (!phone.matches && !supported) drawer.open = true;
      if (phone.matches && !supported) drawer.open = false;
    };
    var showDrawer = function () { summary.setAttribute("aria-expanded", String(drawer.open)); };
    drawer.addEventListener("toggle", showDrawer);
    if (phone.addEventListener) phone.addEventListener("change", fit);
    fit();
    showDrawer();
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawer.open && phone.matches) {
        drawer.open = false;
        summary.focus();
      }
    });
  }

  // ---- the command palette -----------------------------------------------------------
  var palette = document.getElementById("palette");
  if (!palette || typeof palette.showModal !== "function") return; // the links lead to the page
  var input = document.getElementById("palette-input");
  var list = document.getElementById("palette-results");
  var status = document.getElementById("palette-status");
  var searchUrl = palette.getAttribute("data-search-url");
  var kinds = {};
  ["page", "product", "order", "customer"].forEach(function (kind) {
    kinds[kind] = palette.getAttribute("data-kind-" + kind) || kind;
  });
  var results = [];
  var active = -1;
  var opener = null;
  var pending = null;
  var timer = 0;
  var asked = null;

  var select = function (index) {
    var options = list.children;
    if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
    active = options.length ? (index + options.length) % options.length : -1;
    if (active >= 0) {
      options[active].setAttribute("aria-selected", "true");
      options[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", options[active].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  var go = function (index) {
    var result = results[index];
    if (result) window.location.assign(result.url);
  };
  var render = function (data, query) {
    results = data;
    list.textContent = "";
    data.forEach(function (result, index) {
      var option = document.createElement("li");
      option.id = "palette-option-" + index;
      option.className = "palette-option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-kind", result.kind);
      var kind = document.createElement("span");
      kind.className = "palette-kind";
      kind.textContent = kinds[result.kind] || result.kind;
      var label = document.createElement("span");
      label.className = "palette-label";
      label.textContent = result.label;
      var detail = document.createElement("span");
      detail.className = "palette-detail";
      detail.textContent = result.detail;
      option.appendChild(kind);
      option.appendChild(label);
      option.appendChild(detail);
      option.addEventListener("click", function () { go(index); });
      option.addEventListener("mousemove", function () { if (active !== index) select(index); });
      list.appendChild(option);
    });
    input.setAttribute("aria-expanded", String(data.length > 0));
    active = -1;
    select(0);
    status.textContent = data.length
      ? (query ? (data.length === 1 ? palette.getAttribute("data-text-one")
        : palette.getAttribute("data-text-count").replace("%(count)s", data.length)) : "")
      : palette.getAttribute("data-text-none");
  };
  var search = function () {
    var query = input.value.trim();
    if (query === asked) return;
    asked = query;
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    fetch(searchUrl + "?q=" + encodeURIComponent(query), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: pending ? pending.signal : undefined
    })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (query !== input.value.trim()) return; // typed on meanwhile
        if (body.error) {
          render([], query);
          status.textContent = body.error;
          return;
        }
        render(body.data || [], query);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        asked = null;
        status.textContent = palette.getAttribute("data-text-error");
      });
  };
  var open = function () {
    if (palette.open) { input.focus(); return; }
    opener = document.activeElement;
    if (drawer && phone.matches) drawer.open = false;
    palette.showModal();
    input.value = "";
    asked = null;
    search();
    input.focus();
  };

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K")) {
      event.preventDefault();
      open();
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-palette-open]"), function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return; // a new tab
      event.preventDefault();
      open();
    });
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      select(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Home" && event.ctrlKey) {
      select(0);
    } else if (event.key === "Enter") {
      // The list shows what was asked last; a query still being typed goes to the results page.
      if (asked === input.value.trim() && active >= 0) {
        event.preventDefault();
        go(active);
      }
    }
  });
  palette.addEventListener("click", function (event) {
    if (event.target === palette) palette.close(); // the backdrop
  });
  palette.addEventListener("close", function () {
    window.clearTimeout(timer);
    if (pending) pending.abort();
    if (opener && typeof opener.focus === "function") opener.focus();
    opener = null;
  });
})();
