// Copy buttons beside values marked data-copy (the code in a code page's heading), and the
// print date on printed pages. Without JavaScript the values are still plain, selectable text.
(function () {
  "use strict";

  function addCopyButton(source) {
    if (!navigator.clipboard) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy " + source.dataset.copy);
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.dataset.copy).then(
        function () { status.textContent = "Copied " + source.dataset.copy; },
        function () { status.textContent = "Could not copy; select the code instead"; }
      );
    });
    var row = document.querySelector("[data-copy-row]") || source.parentNode;
    row.appendChild(button);
    row.appendChild(status);
  }

  function stampPrintDate() {
    var today = new Date();
    var iso = today.getFullYear() + "-" + String(today.getMonth() + 1).padStart(2, "0") + "-" +
      String(today.getDate()).padStart(2, "0");
    document.querySelectorAll("[data-print-date]").forEach(function (node) {
      node.textContent = " on " + iso;
    });
  }

  document.querySelectorAll("[data-copy]").forEach(addCopyButton);
  stampPrintDate();
  window.addEventListener("beforeprint", stampPrintDate);
})();
