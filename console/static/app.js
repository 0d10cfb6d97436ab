// microlearn console: progressive enhancement only. Every page works without this file;
// it adds confirmations, select-all boxes, auto-submitting filters and the browser's time
// zone on the sign-up form. No inline script anywhere (the CSP forbids it).
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { if (el.form) { el.form.requestSubmit(); } });
  });
  document.querySelectorAll("input[data-check-all]").forEach(function (all) {
    var name = all.getAttribute("data-check-all");
    var boxes = all.form ? all.form.querySelectorAll('input[type=checkbox][name="' + name + '"]') : [];
    all.addEventListener("change", function () { boxes.forEach(function (b) { b.checked = all.checked; }); });
  });
  document.querySelectorAll("input[data-select]").forEach(function (el) {
    el.addEventListener("focus", function () { el.select(); });
  });
  var tz = document.querySelector("input[data-timezone]");
  if (tz && window.Intl) {
    try { var zone = Intl.DateTimeFormat().resolvedOptions().timeZone; if (zone) { tz.value = zone; } } catch (e) { /* keep the default */ }
  }
});
