// Add a trial with edited parameters: a control per parameter type (selects for choices, bounded numbers,
// JSON for structures); the browser checks the bounds, the runner checks every value against the search space.
"use strict";
(() => {
  const form = document.getElementById("add-form");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const params = {};
    for (const control of form.querySelectorAll("[data-key]")) {
      const key = control.dataset.key;
      if (control.dataset.kind === "number") {
        if (!control.reportValidity()) return;
        params[key] = Number(control.value);
        continue;
      }
      try { params[key] = JSON.parse(control.value); }
      catch (err) { NA.say(`${key}: not valid JSON (${err.message})`, true); control.focus(); return; }
    }
    NA.action("add_trial", { params });
  });
})();
