// Multi-objective experiments: the Pareto-front scatter (two objectives; a matrix of pairs for three or
// more) on the charts page, and the hypervolume over trials in place of best so far (charts and overview).
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  const front = NA.chart("chart-pareto"), history = NA.chart("chart-best");
  const CROSS = "path://M2,0L5,3L8,0L10,2L7,5L10,8L8,10L5,7L2,10L0,8L3,5L0,2Z";
  const LARGE = 1500;
  let data = null;

  const label = (o) => `${o.key} (${o.direction === "maximize" ? "max" : "min"})`;
  function axisStyle() {
    const c = NA.colors();
    return { axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted } };
  }
  // What a point's tooltip says: the trial, every objective's value, its rank or why it is infeasible.
  function describe(k) {
    const t = data.trials, values = data.objectives.map((o, i) => `${NA.esc(o.key)} ${NA.esc(NA.fmt(t.values[k][i]))}`).join(" · ");
    const where = t.why[k] !== null || t.violation[k] > 0 ? `infeasible: ${NA.esc(t.why[k] || "breaks a constraint")}`
      : t.rank[k] === 0 ? "in the Pareto set" : `dominated (rank ${NA.esc(t.rank[k])})`;
    return `trial ${NA.esc(t.id[k])} (#${NA.esc(t.seq[k])})<br>${values}<br>${where}`;
  }
  function drawFront() {
    if (!front || !data) return;
    const c = NA.colors(), t = data.trials, n = data.objectives.length;
    const pairs = [];
    for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) pairs.push([i, j]);
    const cells = n - 1, grid = [], xAxis = [], yAxis = [], series = [];
    const groups = { front: [], dominated: [], infeasible: [] };
    t.id.forEach((_, k) => {
      const g = t.violation[k] > 0 ? "infeasible" : t.rank[k] === 0 ? "front" : "dominated";
      groups[g].push(k);
    });
    pairs.forEach(([i, j], p) => {
      // Lower triangle: objective i across, objective j down.
      const col = i, row = j - 1, w = 100 / cells, h = 100 / cells;
      grid.push(n === 2 ? { left: 70, right: 30, top: 40, bottom: 50 }
        : { left: `${col * w + 6}%`, width: `${w - 9}%`, top: `${row * h + 5}%`, height: `${h - 12}%` });
      xAxis.push({ type: "value", scale: true, gridIndex: p, name: label(data.objectives[i]), nameLocation: "middle", nameGap: 25, ...axisStyle() });
      yAxis.push({ type: "value", scale: true, gridIndex: p, name: label(data.objectives[j]), nameLocation: "middle", nameGap: 45, ...axisStyle() });
      const pts = (ks) => ks.map((k) => [t.values[k][i], t.values[k][j], k]);
      const axes = { xAxisIndex: p, yAxisIndex: p };
      series.push({ name: "dominated", type: "scatter", ...axes, data: pts(groups.dominated), symbolSize: 6,
        large: groups.dominated.length > LARGE, largeThreshold: LARGE, itemStyle: { color: c.muted, opacity: 0.5 } });
      series.push({ name: "infeasible", type: "scatter", ...axes, data: pts(groups.infeasible), symbol: CROSS, symbolSize: 8,
        itemStyle: { color: c.bad, opacity: 0.7 } });
      series.push({ name: "Pareto set", type: "scatter", ...axes, data: pts(groups.front), symbolSize: 10, z: 5,
        itemStyle: { color: c.accent, borderColor: c.text, borderWidth: 1 } });
      if (n === 2) {  // the front itself, member to member along the first objective
        const line = pts(groups.front).sort((a, b) => a[0] - b[0]);
        series.push({ name: "Pareto set", type: "line", ...axes, data: line, showSymbol: false, silent: true, z: 4,
          lineStyle: { color: c.accent, width: 1.5, type: "dashed" } });
      }
    });
    front.setOption({ ...NA.chartBase(), grid, xAxis, yAxis, series,
      legend: { top: 0, textStyle: { color: c.muted }, data: ["Pareto set", "dominated", "infeasible"] },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => (p.value && p.value.length > 2 ? describe(p.value[2]) : "") } }, true);
    const note = document.getElementById("pareto-note");
    if (note) note.textContent = `${data.front.length} trial(s) in the Pareto set of ${data.evaluated} evaluated`
      + (data.sampled ? ` (the chart shows ${t.id.length}: the set and the best-ranked others)` : "")
      + (data.problems ? `; ${data.problems} result(s) lack an objective` : "") + ".";
  }
  // The hypervolume of the feasible trials so far, a step line up to the last finished trial.
  function drawHistory() {
    if (!history || !data) return;
    const c = NA.colors(), steps = data.history.map((h) => [...h]), last = data.last_finished;
    if (steps.length && last !== null && last > steps[steps.length - 1][0]) steps.push([last, steps[steps.length - 1][1], steps[steps.length - 1][2]]);
    const ref = data.reference_point ? `reference point (${data.reference_point.map((v) => NA.fmt(v)).join(", ")}), ${data.reference_given ? "as configured" : "derived"}` : "no feasible trial yet";
    history.setOption({ ...NA.chartBase(), grid: { left: 70, right: 20, top: 36, bottom: 45 },
      title: { text: ref, right: 10, top: 0, textStyle: { color: c.muted, fontSize: 11, fontWeight: "normal" } },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `hypervolume after #${NA.esc(p.value[0])} (${NA.esc(p.value[2])}): ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: { type: "value", name: "trial", nameLocation: "middle", nameGap: 25, min: 0, max: last === null ? undefined : last, minInterval: 1, ...axisStyle() },
      yAxis: { type: "value", name: "hypervolume", scale: true, ...axisStyle() },
      series: [{ name: "hypervolume", type: "line", step: "end", data: steps, symbolSize: 5, lineStyle: { width: 2 }, itemStyle: { color: c.accent } }] }, true);
  }
  if (front) front.on("click", (p) => {
    if (p.value && p.value.length > 2) location.href = `/experiments/${exp}/trials/${encodeURIComponent(data.trials.id[p.value[2]])}`;
  });
  async function load() {
    data = await NA.getJSON(`/api/experiments/${exp}/pareto`);
    if (!data.objectives) return;
    drawFront(); drawHistory();
  }
  load().catch((err) => NA.say(err.message, true));
  NA.onTheme(() => { drawFront(); drawHistory(); });
  NA.live(() => load().catch(() => {}));
})();
