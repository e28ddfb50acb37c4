// Applies the saved theme before the page paints (no flash); app.js owns the toggle.
(function () {
  try {
    var saved = localStorage.getItem("nni-annot-theme");
    if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
  } catch (e) { /* storage may be disabled */ }
})();
