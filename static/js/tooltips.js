// Glossary tooltips. CSS shows them on hover and focus; this adds tap-to-toggle for touch
// screens and Escape to dismiss (WCAG 1.4.13), without which they still work.
(function () {
  "use strict";

  function tipOf(node) {
    return node && node.closest ? node.closest(".tip") : null;
  }

  function closeAll(except) {
    document.querySelectorAll(".tip.tip-open").forEach(function (tip) {
      if (tip !== except) tip.classList.remove("tip-open");
    });
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest ? event.target.closest(".tip-trigger") : null;
    if (trigger) {
      var tip = tipOf(trigger);
      var open = !tip.classList.contains("tip-open");
      closeAll(tip);
      tip.classList.toggle("tip-open", open);
      // Focus keeps a tapped tooltip visible, so closing it by tap must dismiss it.
      tip.classList.toggle("tip-dismissed", !open);
      return;
    }
    if (!tipOf(event.target)) closeAll(null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    document.querySelectorAll(".tip").forEach(function (tip) {
      if (tip.matches(":hover") || tip.contains(document.activeElement) || tip.classList.contains("tip-open")) {
        tip.classList.remove("tip-open");
        tip.classList.add("tip-dismissed");
      }
    });
  });

  // A dismissed tooltip comes back the next time it is hovered or focused.
  function restore(event) {
    var tip = tipOf(event.target);
    if (tip && !tip.contains(event.relatedTarget)) tip.classList.remove("tip-dismissed");
  }
  document.addEventListener("mouseout", restore);
  document.addEventListener("focusout", restore);
})();
