// Behaviour for every page; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  function csrf() { return document.body.dataset.csrf || ""; }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrf();
  });

  function initSelects(root) {
    if (typeof TomSelect === "undefined") { return; }
    root.querySelectorAll("select[data-tomselect]").forEach(function (el) {
      if (el.tomselect) { return; }
      var options = { allowEmptyOption: true, maxOptions: 50, plugins: el.multiple ? ["remove_button"] : [] };
      if (el.dataset.remote) {
        options.valueField = "value";
        options.labelField = "label";
        options.searchField = ["label"];
        options.loadThrottle = 250;
        options.load = function (query, callback) {
          var url = el.dataset.remote + (el.dataset.remote.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
          fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); })
            .then(function (json) { callback(json.results); }).catch(function () { callback(); });
        };
      }
      new TomSelect(el, options);
    });
  }

  function initAutosubmit(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  }

  function initConfirm(root) {
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      if (el.dataset.confirmBound) { return; }  // init runs on DOMContentLoaded and again on htmx:load
      el.dataset.confirmBound = "1";
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  function initCheckAll(root) {
    root.querySelectorAll("[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll("input[name='" + box.dataset.checkAll + "']").forEach(function (el) { el.checked = box.checked; });
      });
    });
  }

  function init(root) { initSelects(root); initAutosubmit(root); initConfirm(root); initCheckAll(root); }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
