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
})();
