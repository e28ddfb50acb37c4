// Experiments list: filter (kept in ?q=), delete with confirmation, j/k/Enter to move and open.
"use strict";
(() => {
  const box = document.getElementById("filter");
  const rows = [...document.querySelectorAll("#experiments tbody tr")];
  let cursor = -1;
  function apply() {
    const q = (box.value || "").trim().toLowerCase();
    let shown = 0;
    rows.forEach((r) => { const ok = !q || r.dataset.search.includes(q); r.hidden = !ok; shown += ok ? 1 : 0; });
    document.getElementById("shown-count").textContent = `${shown} of ${rows.length} experiment(s)`;
    const url = new URL(location.href);
    if (q) url.searchParams.set("q", box.value); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  }
  if (box) {
    box.value = new URL(location.href).searchParams.get("q") || "";
    box.addEventListener("input", apply);
    apply();
  }
  document.querySelectorAll("button.delete").forEach((button) => button.addEventListener("click", async () => {
    const id = button.dataset.id;
    if (!window.confirm(`Delete experiment ${button.dataset.name || ""} (${id}) and its trial directories?`)) return;
    try {
      await NA.post(`/api/experiments/${encodeURIComponent(id)}/delete`);
      button.closest("tr").remove();
      NA.say(`deleted ${id}`);
    } catch (err) { NA.say(err.message, true); }
  }));
  // Compare 2-5 experiments (e.g. the revisions of a watch session, or two tuners on one script).
  const compare = document.getElementById("compare-experiments");
  const picked = () => [...document.querySelectorAll("#experiments input.pick:checked")].map((b) => b.value);
  document.querySelectorAll("#experiments input.pick").forEach((b) => b.addEventListener("change", () => {
    const n = picked().length;
    compare.disabled = n < 2 || n > 5;
  }));
  if (compare) compare.addEventListener("click", () => { location.href = `/compare?experiments=${picked().map(encodeURIComponent).join(",")}`; });
  NA.onKey((e) => {
    const visible = rows.filter((r) => !r.hidden && r.isConnected);
    if (!visible.length) return;
    if (e.key === "j" || e.key === "k") {
      cursor = Math.max(0, Math.min(visible.length - 1, cursor + (e.key === "j" ? 1 : -1)));
      visible.forEach((r, i) => r.classList.toggle("selected", i === cursor));
      visible[cursor].scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter" && cursor >= 0) {
      visible[cursor].querySelector("a").click();
    }
  });
})();
