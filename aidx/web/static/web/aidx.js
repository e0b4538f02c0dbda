// aidx: what every page needs from script (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  // The menu on a phone: a real button (reached with Tab, pressed with Enter or Space, announced as expanded or
  // not) that shows and hides the main navigation. Escape closes it and gives the focus back to the button.
  // Without script the button stays hidden and the navigation is always shown.
  function menu() {
    var button = document.querySelector(".menu-button");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.setAttribute("aria-expanded", String(button.getAttribute("aria-expanded") !== "true"));
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  // "Skip to content" moves the focus to the main content without adding #main to the address (a form posted from
  // there would carry it through its redirect, and the next page would open part-way down). Without script the
  // link still works as an ordinary link to #main.
  function skipLink() {
    var link = document.querySelector(".skip-link");
    var main = document.getElementById("main");
    if (!link || !main) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      main.focus();
    });
  }

  // A part of the page that refreshes itself (htmx polling, hx-swap="outerHTML") replaces the control that has the
  // focus with a new one: htmx gives the focus back only to a control with an id. Give it back to the same control
  // (the same kind, link target, name, value and words) in the new content, so a keyboard user keeps their place.
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  var kept = null;

  function signature(element) {
    return [
      element.tagName,
      element.getAttribute("href") || "",
      element.getAttribute("name") || "",
      element.getAttribute("value") || "",
      (element.textContent || "").trim(),
    ].join("\u0000");
  }

  function remember(event) {
    var target = event.detail && event.detail.target;
    var active = document.activeElement;
    kept = null;
    if (!target || !active || active === document.body || !target.contains(active) || active.id) return;
    var same = Array.prototype.filter.call(target.querySelectorAll(FOCUSABLE), function (element) {
      return signature(element) === signature(active);
    });
    kept = { signature: signature(active), index: same.indexOf(active) };
  }

  function restore(event) {
    var place = kept;
    var active = document.activeElement;
    if (!place) return;
    if (active && active !== document.body && document.body.contains(active)) {
      kept = null;  // the focus was not lost (htmx kept it, or it was elsewhere)
      return;
    }
    var root = event.target;
    if (!root || !root.querySelectorAll) return;
    var candidates = (root.matches(FOCUSABLE) ? [root] : []).concat(Array.prototype.slice.call(root.querySelectorAll(FOCUSABLE)));
    var same = candidates.filter(function (element) { return signature(element) === place.signature; });
    var found = same[Math.max(place.index, 0)];
    if (found) {
      kept = null;
      found.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:beforeSwap", remember);
  document.addEventListener("htmx:afterSwap", restore);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { menu(); skipLink(); });
  } else {
    menu();
    skipLink();
  }
})();
