// Commune picker for the residence forms: as the officer types a name or a code, the
// input's <datalist> is filled from /api/v1/communes. Without JavaScript the field still
// takes a 5-digit commune code.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last || /^\d{5}$/.test(q)) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch("/api/v1/communes?q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" }, credentials: "same-origin"
        }).then(function (r) { return r.ok ? r.json() : []; }).then(function (items) {
          list.replaceChildren.apply(list, items.map(function (c) {
            var option = document.createElement("option");
            option.value = c.code;
            option.label = c.name + " — " + c.province_name;
            option.textContent = c.name + " — " + c.province_name;
            return option;
          }));
        });
      }, 150);
    });
  }
  document.querySelectorAll("input[data-commune-search]").forEach(attach);
})();
