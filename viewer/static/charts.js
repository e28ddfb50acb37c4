// Charts: parallel coordinates (top-% filter, log axes, reorderable axes), best so far, metric per trial,
// intermediate curves (selected trials, or the best ones plus a min/mean/max band), durations, importance.
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  const url = new URL(location.href);
  const selected = (url.searchParams.get("trials") || "").split(",").filter(Boolean);
  let data = null, curves = null;
  let top = Number(url.searchParams.get("top") || 100);
  let order = (url.searchParams.get("axes") || "").split(",").filter(Boolean);
  const charts = { parallel: NA.chart("chart-parallel"), best: NA.chart("chart-best"), scatter: NA.chart("chart-scatter"),
    curves: NA.chart("chart-curves"), durations: NA.chart("chart-durations"), importance: NA.chart("chart-importance") };
  const sign = document.body.dataset.mode === "minimize" ? -1 : 1;

  function axisStyle() {
    const c = NA.colors();
    return { axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted } };
  }
  function setUrl() {
    const u = new URL(location.href);
    if (top !== 100) u.searchParams.set("top", top); else u.searchParams.delete("top");
    if (order.length) u.searchParams.set("axes", order.join(",")); else u.searchParams.delete("axes");
    history.replaceState(null, "", u);
  }

  // Parallel coordinates ------------------------------------------------------------------------------
  function orderedAxes() {
    const names = data.axes.map((a) => a.name);
    const kept = order.filter((n) => names.includes(n));
    return [...kept, ...names.filter((n) => !kept.includes(n))].map((n) => data.axes.find((a) => a.name === n));
  }
  function drawParallel() {
    const c = NA.colors(), axes = orderedAxes(), t = data.trials;
    let idx = t.value.map((v, i) => i).filter((i) => t.value[i] !== null);
    idx.sort((a, b) => sign * (t.value[b] - t.value[a]));
    if (top < 100) idx = idx.slice(0, Math.max(1, Math.ceil(idx.length * top / 100)));
    const parallelAxis = axes.map((a, d) => {
      const base = { dim: d, name: a.name, nameTextStyle: { color: c.text }, ...axisStyle() };
      if (a.type === "choice" || a.type === "mutable_layer" || a.values.some((v) => typeof v === "string")) {
        const cats = (a.options || []).map(String);
        a.values.forEach((v) => { if (v !== null && !cats.includes(String(v))) cats.push(String(v)); });
        return { ...base, type: "category", data: cats };
      }
      return { ...base, type: a.log ? "log" : "value", scale: true };
    });
    const metricDim = axes.length;
    parallelAxis.push({ dim: metricDim, name: "metric", nameTextStyle: { color: c.text, fontWeight: "bold" }, type: "value", scale: true, ...axisStyle() });
    const rows = idx.map((i) => [...axes.map((a) => (a.values[i] === null ? null : (parallelAxis[axes.indexOf(a)].type === "category" ? String(a.values[i]) : a.values[i]))), t.value[i], t.id[i]]);
    const values = rows.map((r) => r[metricDim]);
    charts.parallel.setOption({
      ...NA.chartBase(),
      parallel: { left: 60, right: 190, top: 40, bottom: 30, parallelAxisDefault: { nameLocation: "end", nameGap: 12 } },
      parallelAxis,
      visualMap: { type: "continuous", dimension: metricDim, min: Math.min(...values), max: Math.max(...values), right: 10, top: "middle",
        calculable: true, textStyle: { color: c.muted }, formatter: (v) => NA.fmt(v), inRange: { color: bestLast(c.dark ? ["#3b4a6b", "#7aa2ff", "#ffd166"] : ["#c9d3e6", "#2457c5", "#d1495b"], sign) },
        inverse: sign < 0 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `trial ${NA.esc(p.data[metricDim + 1])}: ${NA.esc(NA.fmt(p.data[metricDim]))}` },
      series: [{ type: "parallel", data: rows, lineStyle: { width: rows.length > 1000 ? 0.5 : 1.2, opacity: rows.length > 1000 ? 0.35 : 0.7 },
        progressive: 800, smooth: false }],
    }, true);
    document.getElementById("axis-order").replaceChildren(...axes.map((a, i) => axisChip(a.name, i, axes.length)));
  }
  // The strongest colour goes to the best trials: the highest values, or the lowest when minimizing.
  function bestLast(palette, sign) { return sign < 0 ? [...palette].reverse() : palette; }
  function axisChip(name, i, n) {
    const chip = NA.el("button", { type: "button", class: "chip", draggable: "true", "data-axis": name,
      title: "Drag, or focus and press ←/→ to move" }, name);
    const move = (to) => {
      const names = orderedAxes().map((a) => a.name);
      names.splice(to, 0, names.splice(i, 1)[0]);
      order = names; setUrl(); drawParallel();
      const again = document.querySelector(`#axis-order [data-axis="${CSS.escape(name)}"]`);
      if (again) again.focus();
    };
    chip.addEventListener("keydown", (e) => {
      if (e.key === "ArrowLeft" && i > 0) { e.preventDefault(); move(i - 1); }
      if (e.key === "ArrowRight" && i < n - 1) { e.preventDefault(); move(i + 1); }
    });
    chip.addEventListener("dragstart", (e) => e.dataTransfer.setData("text/plain", String(i)));
    chip.addEventListener("dragover", (e) => e.preventDefault());
    chip.addEventListener("drop", (e) => {
      e.preventDefault();
      const from = Number(e.dataTransfer.getData("text/plain"));
      const names = orderedAxes().map((a) => a.name);
      names.splice(i, 0, names.splice(from, 1)[0]);
      order = names; setUrl(); drawParallel();
    });
    return chip;
  }
  document.querySelectorAll("#top-chips .chip").forEach((chip) => {
    chip.setAttribute("aria-pressed", String(Number(chip.dataset.top) === top));
    chip.addEventListener("click", () => {
      top = Number(chip.dataset.top); setUrl();
      document.querySelectorAll("#top-chips .chip").forEach((c2) => c2.setAttribute("aria-pressed", String(c2 === chip)));
      drawParallel();
    });
  });

  // The other charts ----------------------------------------------------------------------------------
  const valueAxis = (name) => ({ type: "value", name, nameLocation: "middle", nameGap: 28, scale: true,
    minInterval: name === "trial" || name === "step" ? 1 : 0, ...axisStyle() });
  function drawBest() {
    charts.best.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 20, bottom: 45 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "axis", formatter: (ps) => ps.map((p) => `#${NA.esc(p.value[0])} ${NA.esc(p.value[2])}: ${NA.esc(NA.fmt(p.value[1]))}`).join("<br>") },
      xAxis: valueAxis("trial"), yAxis: valueAxis(""),
      series: [{ type: "line", step: "end", data: data.best_history, symbolSize: 5 }] }, true);
  }
  function drawScatter() {
    const t = data.trials, pts = t.seq.map((s, i) => [s, t.value[i], t.id[i], t.status[i]]).filter((p) => p[1] !== null);
    charts.scatter.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 20, bottom: 45 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `#${NA.esc(p.value[0])} ${NA.esc(p.value[2])} (${NA.esc(p.value[3])}): ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: valueAxis("trial"), yAxis: valueAxis(""),
      series: [{ type: "scatter", data: pts, symbolSize: pts.length > 2000 ? 3 : 6, large: pts.length > 2000 }] }, true);
  }
  function drawCurves() {
    const c = NA.colors(), series = [];
    if (curves.summary.length && !curves.selected) {
      const s = curves.summary;
      series.push({ name: "min", type: "line", data: s.map((r) => [r[0], r[2]]), lineStyle: { type: "dashed", color: c.muted, width: 1 }, showSymbol: false });
      series.push({ name: "mean (all trials)", type: "line", data: s.map((r) => [r[0], r[3]]), lineStyle: { color: c.text, width: 2 }, showSymbol: false });
      series.push({ name: "max", type: "line", data: s.map((r) => [r[0], r[4]]), lineStyle: { type: "dashed", color: c.muted, width: 1 }, showSymbol: false });
    }
    for (const [id, ys] of Object.entries(curves.curves)) {
      series.push({ name: id, type: "line", data: ys.map((y, i) => [i, y]), showSymbol: ys.length < 40, symbolSize: 4,
        lineStyle: { width: curves.selected ? 2 : 1, opacity: curves.selected ? 1 : 0.6 } });
    }
    charts.curves.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 20, bottom: 45 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.seriesName)} step ${NA.esc(p.value[0])}: ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: valueAxis("step"), yAxis: valueAxis(""), series }, true);
    document.getElementById("curves-note").textContent = curves.selected
      ? `${Object.keys(curves.curves).length} selected trial(s)` : `the best ${Object.keys(curves.curves).length} trial(s), with the min / mean / max at each step of ${curves.summary_sampled ? "an even sample of the" : "all"} trials`;
  }
  function drawDurations() {
    const d = data.trials.duration.filter((x) => x !== null);
    const bins = Math.min(20, Math.max(3, Math.ceil(Math.sqrt(d.length)))), lo = Math.min(...d), hi = Math.max(...d), w = (hi - lo) / bins || 1, counts = new Array(bins).fill(0);
    d.forEach((x) => { counts[Math.min(bins - 1, Math.floor((x - lo) / w))] += 1; });
    charts.durations.setOption({ ...NA.chartBase(), grid: { left: 50, right: 20, top: 20, bottom: 45 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.name)}: ${NA.esc(p.value)} trial(s)` },
      xAxis: { type: "category", data: counts.map((_, i) => NA.fmtDuration(lo + i * w)), ...axisStyle() },
      yAxis: { type: "value", minInterval: 1, ...axisStyle() }, series: [{ type: "bar", data: d.length ? counts : [] }] }, true);
  }
  function drawImportance() {
    const items = [...data.importance].reverse();
    charts.importance.setOption({ ...NA.chartBase(), grid: { left: 140, right: 30, top: 10, bottom: 30 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.name)}: ${NA.esc(NA.fmt(p.value))}` },
      xAxis: { type: "value", max: 1, ...axisStyle() }, yAxis: { type: "category", data: items.map((i) => i.name), ...axisStyle() },
      series: [{ type: "bar", data: items.map((i) => i.importance) }] }, true);
  }
  function drawAll() {
    if (!data) return;
    drawParallel(); drawBest(); drawScatter(); drawDurations(); drawImportance();
    if (curves) drawCurves();
  }
  charts.scatter.on("click", (p) => { location.href = `/experiments/${exp}/trials/${encodeURIComponent(p.value[2])}`; });
  charts.curves.on("click", (p) => { if (curves.curves[p.seriesName]) location.href = `/experiments/${exp}/trials/${encodeURIComponent(p.seriesName)}`; });

  async function load() {
    const [d, c] = await Promise.all([NA.getJSON(`/api/experiments/${exp}/charts`),
      NA.getJSON(`/api/experiments/${exp}/curves?trials=${encodeURIComponent(selected.join(","))}`)]);
    data = d; curves = c;
    document.getElementById("sample-note").textContent = data.sampled
      ? `${data.total} trials: charts show ${data.trials.id.length} of them (the best quarter and an even sample of the rest); best so far and importance use all.`
      : `${data.total} trial(s).`;
    drawAll();
  }
  load().catch((err) => NA.say(err.message, true));
  NA.onTheme(drawAll);
  NA.live(() => load().catch(() => {}));
})();
