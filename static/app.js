// app.js - small conveniences only; every function of the dashboard works without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Buttons with data-confirm ask before their form is sent.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
});
