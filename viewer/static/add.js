// Add a trial with edited parameters: every value is JSON; the runner checks it against the search space.
"use strict";
(() => {
  const form = document.getElementById("add-form");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const params = {};
    for (const area of form.querySelectorAll("textarea[data-key]")) {
      try { params[area.dataset.key] = JSON.parse(area.value); }
      catch (err) { NA.say(`${area.dataset.key}: not valid JSON (${err.message})`, true); area.focus(); return; }
    }
    NA.action("add_trial", { params });
  });
})();
