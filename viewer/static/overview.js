// Overview: best-so-far chart, controls of a running experiment, live refresh of the figures.
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  const best = NA.chart("chart-best");
  let history = [];

  function drawBest() {
    const c = NA.colors();
    best.setOption({
      ...NA.chartBase(),
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "axis",
        formatter: (ps) => ps.map((p) => `trial #${NA.esc(p.value[0])} (${NA.esc(p.value[2])}): ${NA.esc(NA.fmt(p.value[1]))}`).join("<br>") },
      xAxis: { type: "value", name: "trial", minInterval: 1, nameLocation: "middle", nameGap: 25, axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } } },
      yAxis: { type: "value", scale: true, axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } } },
      series: [{ type: "line", step: "end", data: history, showSymbol: true, symbolSize: 5 }],
    }, true);
  }
  async function load() {
    const data = await NA.getJSON(`/api/experiments/${exp}/history`);
    history = data.best_history;
    drawBest();
  }
  load().catch((err) => NA.say(err.message, true));
  NA.onTheme(drawBest);

  const form = document.getElementById("limits-form");
  if (form) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const payload = {};
      const c = form.elements.concurrency.value, m = form.elements.max_trials.value, d = form.elements.max_duration.value;
      if (c) payload.concurrency = Number(c);
      payload.max_trials = m ? Number(m) : null;
      payload.max_duration = d || null;
      NA.action("update_limits", payload);
    });
    document.getElementById("rerun-failed").addEventListener("click", () => NA.action("rerun_failed", {}));
    document.getElementById("stop-experiment").addEventListener("click", () => {
      if (window.confirm("Stop the experiment? Running trials are stopped and re-run on resume.")) NA.action("stop_experiment", {});
    });
  }

  NA.live((changes) => {
    const e = changes.experiment;
    document.getElementById("progress-trials").textContent = e.done + (e.max_trials ? ` / ${e.max_trials}` : "");
    document.getElementById("progress-time").textContent = NA.fmtDuration(e.duration) + (e.max_duration ? ` / ${NA.fmtDuration(e.max_duration)}` : "");
    document.getElementById("best-value").textContent = e.best.value === null ? "—" : NA.fmt(e.best.value);
    const counts = document.getElementById("counts");
    counts.replaceChildren(...Object.entries(e.counts).filter(([, n]) => n).flatMap(([s, n], i) =>
      [i ? " · " : "", NA.el("span", { class: "s-" + s }, `${s.toLowerCase().replace(/_/g, " ")} ${n}`)]));
    if (changes.trials.some((t) => t.final_default !== null)) load().catch(() => {});
  });
})();
