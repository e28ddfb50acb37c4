// Explore panels of the charts page: slice, contour (mean metric over two parameters), rank, the metric's
// empirical distribution and a timeline of trials. They draw from the data charts.js fetched (the same
// sampled trials), so they cost no extra request.
"use strict";
(() => {
  const charts = { slice: NA.chart("chart-slice"), contour: NA.chart("chart-contour"), rank: NA.chart("chart-rank"),
    edf: NA.chart("chart-edf"), timeline: NA.chart("chart-timeline") };
  const sign = document.body.dataset.mode === "minimize" ? -1 : 1;
  // Past this many points a scatter is drawn in ECharts' large mode (one path, not an element per point):
  // a 100,000-trial experiment charts 4,000 trials in each of several panels.
  const LARGE = 1500;
  const url = new URL(location.href);
  let data = null, marked = null;  // the trials brushed in the parallel chart or selected in the table
  let brushed = null;  // the trials in the ranges brushed in the parallel chart (null: no brush)

  function axisStyle() {
    const c = NA.colors();
    return { axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted } };
  }
  const categorical = (a) => a.type === "choice" || a.type === "mutable_layer" || a.values.some((v) => typeof v === "string");
  function axisFor(a, name) {
    if (categorical(a)) {
      const cats = (a.options || []).map(String);
      a.values.forEach((v) => { if (v !== null && !cats.includes(String(v))) cats.push(String(v)); });
      return { type: "category", data: cats, name, nameLocation: "middle", nameGap: 28, ...axisStyle() };
    }
    return { type: a.log ? "log" : "value", scale: true, name, nameLocation: "middle", nameGap: 28, ...axisStyle() };
  }
  const cell = (a, v) => (v === null || v === undefined ? null : categorical(a) ? String(v) : v);
  const withMetric = () => data.trials.value.map((v, i) => i).filter((i) => data.trials.value[i] !== null);
  // The trials the contour, rank and distribution panels use: the brushed ones while a brush is active.
  const kept = () => withMetric().filter((i) => !brushed || brushed.has(data.trials.id[i]));
  function brushNote(id) {
    const node = document.getElementById(id);
    if (node) node.textContent = brushed ? `Only the ${kept().length} trial(s) in the ranges brushed in the parallel chart.` : "";
  }

  // A parameter picker kept in the URL (?slice=lr, ?cx=lr&cy=batch, ...).
  function picker(id, param, fallback, draw) {
    const select = document.getElementById(id);
    const names = data.axes.map((a) => a.name);
    select.replaceChildren(...data.axes.map((a) => NA.el("option", { value: a.name }, a.label || a.name)));
    const wanted = url.searchParams.get(param);
    select.value = names.includes(wanted) ? wanted : names[Math.min(fallback, names.length - 1)] || "";
    select.onchange = () => { url.searchParams.set(param, select.value); history.replaceState(null, "", url); draw(); };
    return () => data.axes.find((a) => a.name === select.value);
  }
  let sliceAxis, cx, cy, rx, ry;

  function drawSlice() {
    const a = sliceAxis(), c = NA.colors();
    if (!a) return;
    const pts = withMetric().map((i) => [cell(a, a.values[i]), data.trials.value[i], data.trials.id[i]]).filter((p) => p[0] !== null);
    const big = pts.length > LARGE;
    const series = [{ name: "trials", type: "scatter", data: marked ? pts.filter((p) => !marked.has(p[2])) : pts, symbolSize: big ? 3 : 6,
      large: big, largeThreshold: LARGE, itemStyle: { color: marked ? c.muted : c.accent, opacity: marked ? 0.4 : 0.7 } }];
    if (marked) series.push({ name: "highlighted", type: "scatter", data: pts.filter((p) => marked.has(p[2])), symbolSize: 8, itemStyle: { color: c.bad } });
    charts.slice.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 20, bottom: 50 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.value[2])}: ${NA.esc(NA.fmt(p.value[0]))} → ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: axisFor(a, a.label || a.name), yAxis: { type: "value", scale: true, ...axisStyle() }, series }, true);
  }

  // Values of an axis as bins: categories as they are, numbers in up to 8 quantile bins (labelled by range).
  function bins(a, idx) {
    if (categorical(a)) {
      const labels = axisFor(a).data;
      return { labels, of: (i) => labels.indexOf(String(a.values[i])) };
    }
    const xs = idx.map((i) => a.values[i]).filter((v) => typeof v === "number").sort((p, q) => p - q);
    const n = Math.min(8, new Set(xs).size);
    if (!n) return { labels: [], of: () => -1 };
    const edges = Array.from({ length: n - 1 }, (_, k) => xs[Math.floor(((k + 1) * xs.length) / n)]);
    const short = (v) => (Math.abs(v) !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(1) : String(Number(v.toPrecision(3))));
    const labels = Array.from({ length: n }, (_, k) => `≥ ${short(k ? edges[k - 1] : xs[0])}`);
    return { labels, of: (i) => (typeof a.values[i] === "number" ? edges.filter((e) => a.values[i] >= e).length : -1) };
  }
  function drawContour() {
    const a = cx(), b = cy(), c = NA.colors();
    if (!a || !b) return;
    const idx = kept(), bx = bins(a, withMetric()), by = bins(b, withMetric()), sums = {}, counts = {};
    brushNote("contour-brush");
    idx.forEach((i) => {
      const x = bx.of(i), y = by.of(i);
      if (x < 0 || y < 0) return;
      const k = x + "," + y;
      sums[k] = (sums[k] || 0) + data.trials.value[i]; counts[k] = (counts[k] || 0) + 1;
    });
    const cells = Object.keys(sums).map((k) => { const [x, y] = k.split(",").map(Number); return [x, y, sums[k] / counts[k], counts[k]]; });
    const means = cells.map((q) => q[2]);
    charts.contour.setOption({ ...NA.chartBase(), grid: { left: 80, right: 20, top: 20, bottom: 80 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(bx.labels[p.value[0]])} × ${NA.esc(by.labels[p.value[1]])}: mean ${NA.esc(NA.fmt(p.value[2]))} over ${NA.esc(p.value[3])} trial(s)` },
      xAxis: { type: "category", data: bx.labels, name: a.label || a.name, nameLocation: "middle", nameGap: 28, ...axisStyle() },
      yAxis: { type: "category", data: by.labels, name: b.label || b.name, nameLocation: "middle", nameGap: 60, ...axisStyle() },
      visualMap: means.length ? { dimension: 2, min: Math.min(...means), max: Math.max(...means), calculable: true, orient: "horizontal", left: "center", bottom: 0,
        textStyle: { color: c.muted }, formatter: (v) => NA.fmt(v), inRange: { color: sign < 0 ? ["#d1495b", "#f3d8a0", "#2457c5"] : ["#2457c5", "#f3d8a0", "#d1495b"] } } : undefined,
      series: [{ type: "heatmap", data: cells, label: { show: false } }] }, true);
  }
  // Rank: each trial at its two parameter values, in one of five colours by its metric's rank (a series per
  // fifth, so that thousands of trials draw in large mode and the legend names the fifths).
  const FIFTHS = ["best 20%", "20–40%", "40–60%", "60–80%", "worst 20%"];
  const FIFTH_COLORS = ["#d1495b", "#e8875b", "#f3c26b", "#7aa2ff", "#c9d3e6"];
  function drawRank() {
    const a = rx(), b = ry(), c = NA.colors();
    if (!a || !b) return;
    const idx = kept().sort((i, j) => sign * (data.trials.value[j] - data.trials.value[i]));
    brushNote("rank-brush");
    const groups = FIFTHS.map(() => []);
    idx.forEach((i, r) => {
      const p = [cell(a, a.values[i]), cell(b, b.values[i]), data.trials.id[i], r + 1];
      if (p[0] !== null && p[1] !== null) groups[Math.min(4, Math.floor((5 * r) / Math.max(1, idx.length)))].push(p);
    });
    const big = idx.length > LARGE;
    charts.rank.setOption({ ...NA.chartBase(), grid: { left: 80, right: 20, top: 36, bottom: 50 },
      legend: { top: 0, textStyle: { color: c.muted }, data: FIFTHS },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.value[2])}: rank ${NA.esc(p.value[3])} of ${idx.length}` },
      xAxis: axisFor(a, a.label || a.name), yAxis: { ...axisFor(b, b.label || b.name), nameGap: 60 },
      // Drawn worst first, so the best trials lie on top.
      series: groups.map((g, k) => ({ name: FIFTHS[k], type: "scatter", data: g, symbolSize: big ? 4 : 8, large: big, largeThreshold: 0, z: 10 - k,
        itemStyle: { color: FIFTH_COLORS[k] } })) }, true);
  }
  function drawEdf() {
    const c = NA.colors(), ys = kept().map((i) => data.trials.value[i]).sort((p, q) => sign * (q - p));
    brushNote("edf-brush");
    // Maximizing: the share of trials at least this good, from the best value down; minimizing, at most.
    const pts = ys.map((v, k) => [v, (k + 1) / ys.length]);
    charts.edf.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 20, bottom: 45 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "axis", formatter: (ps) => ps.map((p) => `${NA.esc((100 * p.value[1]).toFixed(0))}% of trials ${sign < 0 ? "≤" : "≥"} ${NA.esc(NA.fmt(p.value[0]))}`).join("<br>") },
      xAxis: { type: "value", scale: true, name: "metric", nameLocation: "middle", nameGap: 28, inverse: sign > 0, ...axisStyle() },
      yAxis: { type: "value", min: 0, max: 1, ...axisStyle() },
      series: [{ type: "line", step: "end", data: pts, showSymbol: false, lineStyle: { color: c.accent, width: 2 } }] }, true);
  }
  function drawTimeline() {
    const c = NA.colors(), t = data.trials, now = Date.now() / 1000;
    const color = { SUCCEEDED: c.ok, FAILED: c.bad, RUNNING: c.accent, EARLY_STOPPED: c.warn };
    const rows = t.id.map((id, i) => [i, t.started[i], t.ended[i] === null ? now : t.ended[i], id, t.status[i], t.seq[i]]).filter((r) => r[1] !== null);
    const origin = Math.min(...rows.map((r) => r[1]));
    // One segment per trial, a "lines" series per status in large mode (one path each, not a shape per trial).
    const byStatus = {};
    rows.forEach((r, k) => (byStatus[r[4]] = byStatus[r[4]] || []).push({ coords: [[r[1] - origin, k], [r[2] - origin, k]], id: r[3], seq: r[5], status: r[4] }));
    const node = document.getElementById("chart-timeline");
    const height = Math.max(200, Math.min(900, 40 + rows.length * 6));
    if (node.style.height !== height + "px") { node.style.height = height + "px"; charts.timeline.resize(); }
    const rowPx = Math.max(1, ((height - 50) / Math.max(1, rows.length)) * 0.8);
    charts.timeline.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 30, bottom: 40 },
      legend: { top: 0, textStyle: { color: c.muted } },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => { const d = p.data || {}; return `#${NA.esc(d.seq)} ${NA.esc(d.id)} (${NA.esc(d.status)}): ${NA.esc(NA.fmtDuration(d.coords[0][0]))} → ${NA.esc(NA.fmtDuration(d.coords[1][0]))}`; } },
      // A lines series does not widen the axis to its data: the span is given.
      xAxis: { type: "value", min: 0, max: Math.max(1, ...rows.map((r) => r[2] - origin)), name: "seconds since the first start", nameLocation: "middle", nameGap: 25, ...axisStyle(), axisLabel: { color: c.muted, formatter: (v) => NA.fmtDuration(v) } },
      yAxis: { type: "value", inverse: true, min: 0, max: Math.max(1, rows.length), axisLabel: { show: false }, splitLine: { show: false } },
      series: Object.entries(byStatus).map(([status, segs]) => ({ name: status, type: "lines", coordinateSystem: "cartesian2d", data: segs,
        large: segs.length > LARGE, largeThreshold: LARGE, lineStyle: { color: color[status] || c.muted, width: rowPx, opacity: 1, cap: "butt" } })) }, true);
  }
  function drawAll() { if (data) { drawSlice(); drawContour(); drawRank(); drawEdf(); drawTimeline(); } }
  document.addEventListener("na-charts", (e) => {
    const first = data === null;
    data = e.detail.data;
    marked = e.detail.marked;
    if (first) {
      sliceAxis = picker("slice-param", "slice", 0, drawSlice);
      cx = picker("contour-x", "cx", 0, drawContour); cy = picker("contour-y", "cy", 1, drawContour);
      rx = picker("rank-x", "rx", 0, drawRank); ry = picker("rank-y", "ry", 1, drawRank);
    }
    drawAll();
  });
  document.addEventListener("na-marked", (e) => { marked = e.detail; if (data) drawSlice(); });
  document.addEventListener("na-brushed", (e) => { brushed = e.detail; if (data) { drawContour(); drawRank(); drawEdf(); } });
  NA.onTheme(drawAll);
  charts.timeline.on("click", (p) => { if (p.data && p.data.id) location.href = `/experiments/${encodeURIComponent(NA.expId)}/trials/${encodeURIComponent(p.data.id)}`; });
})();
