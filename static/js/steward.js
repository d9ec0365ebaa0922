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
  // On a phone the header's links fold behind a Menu button (see .site-menu in the CSS).
  var menuButton = document.querySelector(".menu-button");
  var menu = document.getElementById("site-menu");
  if (menuButton && menu) {
    menuButton.closest(".site-header").classList.add("has-menu-button");
    menuButton.hidden = false;
    menuButton.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
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
  // A list marked <table class="data stack"> shows one block per row on a phone (see the
  // CSS): each cell is labelled with its column's heading, and since a table styled that way
  // loses its table semantics in some browsers, its parts say what they are.
  var stacks = document.querySelectorAll("table.stack");
  for (var t = 0; t < stacks.length; t++) {
    var table = stacks[t];
    var heads = [];
    var headCells = table.querySelectorAll("thead th, thead td");
    for (var h = 0; h < headCells.length; h++) {
      // A header only screen readers see ("Actions") labels nothing on screen.
      var hiddenOnly = headCells[h].querySelector(".visually-hidden") &&
        headCells[h].textContent.trim() === headCells[h].querySelector(".visually-hidden").textContent.trim();
      for (var span = 0; span < (headCells[h].colSpan || 1); span++) {
        heads.push(hiddenOnly ? "" : headCells[h].textContent.trim());
      }
      headCells[h].setAttribute("role", "columnheader");
    }
    table.setAttribute("role", "table");
    var groups = table.querySelectorAll("thead, tbody, tfoot");
    for (var g = 0; g < groups.length; g++) {
      groups[g].setAttribute("role", "rowgroup");
    }
    var rows = table.querySelectorAll("tr");
    for (var r = 0; r < rows.length; r++) {
      rows[r].setAttribute("role", "row");
      if (rows[r].parentElement.tagName === "THEAD") {
        continue;
      }
      var column = 0;
      for (var c = 0; c < rows[r].children.length; c++) {
        var cell = rows[r].children[c];
        cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
        if (heads[column]) {
          cell.setAttribute("data-label", heads[column]);
        }
        column += cell.colSpan || 1;
      }
    }
  }
  // A table, chart or preformatted text wider than its box scrolls inside it (on a phone,
  // say). Such a box becomes a labelled region that takes keyboard focus, so it can be
  // scrolled without a mouse; it stops being one when it fits again.
  function labelFor(box) {
    var caption = box.querySelector("caption, figcaption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    // The nearest heading before the box: a sibling, or the last one inside a sibling (the
    // page's header block), looking outwards.
    for (var el = box; el && el !== document.body; el = el.parentElement) {
      for (var sib = el.previousElementSibling; sib; sib = sib.previousElementSibling) {
        var inner = /^H[1-6]$/.test(sib.tagName) ? [sib] : sib.querySelectorAll("h1, h2, h3, h4");
        var heading = inner[inner.length - 1];
        if (heading && heading.textContent.trim()) {
          return heading.textContent.trim();
        }
      }
    }
    return document.title.split(" · ")[0];
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
  // A chart of months that scrolls on a phone opens at its latest months (again once the
  // page has its final size, and when the window changes).
  function scrollToEnds() {
    var ends = document.querySelectorAll("[data-scroll-end]");
    for (var e = 0; e < ends.length; e++) {
      ends[e].scrollLeft = ends[e].scrollWidth;
    }
  }
  scrollToEnds();
  window.addEventListener("load", scrollToEnds);
  var pending = false;
  window.addEventListener("resize", function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        markScrollers();
        scrollToEnds();
      });
    }
  });
  // A file being read in the background: its progress is asked for every second, and the
  // page reloads once the reading is over (the page works without this: it has a link).
  var watch = document.querySelector("[data-progress-url]");
  if (watch && window.fetch) {
    var url = watch.getAttribute("data-progress-url");
    var bar = watch.querySelector("progress");
    var text = watch.querySelector("[data-progress-text]");
    var tick = function () {
      window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (p.status !== "queued" && p.status !== "reading") {
            window.location.reload();
            return;
          }
          if (bar) { bar.value = p.percent; bar.textContent = p.percent + "%"; }
          if (text) {
            text.textContent = p.percent + "% · " + p.rows_read.toLocaleString("en") + " lines checked" +
              (p.rows_bad > 0 ? ", " + p.rows_bad.toLocaleString("en") + " refused" : "");
          }
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    };
    window.setTimeout(tick, 1000);
  }
})();
