// Registry pages: the bulk-action bar shows only the inputs the chosen action needs.
(function () {
  "use strict";
  function initBulk(form) {
    var action = form.querySelector("select[name='action']");
    if (!action) { return; }
    function update() {
      form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
        var wanted = el.dataset.bulkFor.split(" ");
        el.hidden = wanted.indexOf(action.value) < 0;
      });
    }
    action.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-bulk-form]").forEach(initBulk);
  });
})();
