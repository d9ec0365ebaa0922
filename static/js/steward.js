// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Ask before destructive actions: <form data-confirm="Really?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Select-all text on click for one-time links shown to staff: <input data-select-on-focus>.
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-select-on-focus") && el.select) {
      el.select();
    }
  });
  // A refused form: the error summary at the top takes focus, so screen readers read what
  // went wrong first; each of its links moves focus to its field.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest(".error-summary a");
    if (!link) {
      return;
    }
    var id = decodeURIComponent((link.getAttribute("href") || "").slice(1));
    var field = document.getElementById(id);
    if (field && field.focus) {
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
    }
  });
  // A table, chart or preformatted text wider than its box scrolls inside it (on a phone,
  // say). Such a box becomes a labelled region that takes keyboard focus, so it can be
  // scrolled without a mouse; it stops being one when it fits again.
  function labelFor(box) {
    var caption = box.querySelector("caption, figcaption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    for (var el = box; el && el !== document.body; el = el.parentElement) {
      for (var sib = el.previousElementSibling; sib; sib = sib.previousElementSibling) {
        if (/^H[1-6]$/.test(sib.tagName) && sib.textContent.trim()) {
          return sib.textContent.trim();
        }
      }
    }
    return "Scrollable content";
  }
  function markScrollers() {
    var boxes = document.querySelectorAll(".table-wrap, pre, .budget-figure");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("data-scroller", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", labelFor(box) + " (scrolls sideways)");
      } else if (!scrolls && box.hasAttribute("data-scroller")) {
        box.removeAttribute("data-scroller");
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  }
  markScrollers();
  var pending = false;
  window.addEventListener("resize", function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        markScrollers();
      });
    }
  });
})();
