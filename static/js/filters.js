// Filter forms: the fields left empty are not sent, so a filtered list has a short URL
// (?section=E, not ?q=&section=E&from_code=...); on a wide screen the filters start open.
// Without JavaScript the server redirects such URLs to their short form.
(function () {
  "use strict";

  document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name]").forEach(function (field) {
        if (field.value === "") field.disabled = true;
      });
    });
    // Back/forward restores the page as it was left: give the fields back.
    window.addEventListener("pageshow", function () {
      form.querySelectorAll("[disabled]").forEach(function (field) { field.disabled = false; });
    });
  });

  if (window.matchMedia && window.matchMedia("(min-width: 40rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = true;
    });
  }
})();
