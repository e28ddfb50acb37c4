// Charts: parallel coordinates (top-% filter, log axes, reorderable axes), best so far, metric per trial,
// intermediate curves (selected trials, or the best ones plus a min/mean/max band), durations, importance.
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  const url = new URL(location.href);
  const selected = (url.searchParams.get("trials") || "").split(",").filter(Boolean);
  let data = null, curves = null, parallelRows = [], parallelIdDim = 0, brushActive = false;
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
    // Each axis needs about 100 px: on a narrow screen the chart is wider than its box and scrolls sideways.
    const node = document.getElementById("chart-parallel"), wanted = (axes.length + 1) * 100 + 200;
    if (node.style.minWidth !== wanted + "px") { node.style.minWidth = wanted + "px"; charts.parallel.resize(); }
    const width = charts.parallel.getWidth() || 800;
    const nameWidth = Math.max(50, Math.floor((width - 250) / Math.max(1, axes.length + 1)) - 6);
    const parallelAxis = axes.map((a, d) => {
      const base = { dim: d, name: a.label || a.name, nameTextStyle: { color: c.text, width: nameWidth, overflow: "break" }, ...axisStyle() };
      if (a.type === "choice" || a.type === "mutable_layer" || a.values.some((v) => typeof v === "string")) {
        const cats = (a.options || []).map(String);
        a.values.forEach((v) => { if (v !== null && !cats.includes(String(v))) cats.push(String(v)); });
        return { ...base, type: "category", data: cats };
      }
      // Numbers: the search space's bounds (else the values' extent), whole-number ticks for whole numbers.
      const nums = a.values.filter((v) => typeof v === "number");
      const lo = a.range ? a.range[0] : Math.min(...nums), hi = a.range ? a.range[1] : Math.max(...nums);
      const whole = a.integer || (nums.length > 0 && nums.every(Number.isInteger));
      const bounds = nums.length && isFinite(lo) && isFinite(hi) && hi > lo ? { min: lo, max: hi } : { scale: true };
      // A tick within a few percent of an end of the range would print over the end's label (250 by 256).
      const pos = (v) => (a.log ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo));
      const crowded = (v) => bounds.min !== undefined && v !== lo && v !== hi && (pos(v) < 0.06 || pos(v) > 0.94);
      return { ...base, type: a.log ? "log" : "value", ...bounds, minInterval: whole ? 1 : 0,
        axisLabel: { ...base.axisLabel, formatter: (v) => (crowded(v) ? "" : tick(v)) } };
    });
    const metricDim = axes.length;
    parallelAxis.push({ dim: metricDim, name: "metric", nameTextStyle: { color: c.text, fontWeight: "bold" }, type: "value", scale: true, ...axisStyle() });
    const rows = idx.map((i) => [...axes.map((a) => (a.values[i] === null ? null : (parallelAxis[axes.indexOf(a)].type === "category" ? String(a.values[i]) : a.values[i]))), t.value[i], t.id[i]]);
    const values = rows.map((r) => r[metricDim]);
    // No trial has a metric yet: nothing to colour by (a visual map over no values has no range).
    const visualMap = values.length ? { type: "continuous", dimension: metricDim, min: Math.min(...values), max: Math.max(...values), right: 10, top: "middle",
      calculable: true, textStyle: { color: c.muted }, formatter: (v) => NA.fmt(v), inRange: { color: bestLast(c.dark ? ["#3b4a6b", "#7aa2ff", "#ffd166"] : ["#c9d3e6", "#2457c5", "#d1495b"], sign) },
      inverse: sign < 0 } : undefined;
    charts.parallel.setOption({
      ...NA.chartBase(),
      parallel: { left: 60, right: 190, top: 50, bottom: 30, parallelAxisDefault: { nameLocation: "end", nameGap: 12 } },
      parallelAxis,
      visualMap,
      title: values.length ? undefined : { text: "No trial has a metric yet", left: "center", top: "middle", textStyle: { color: c.muted, fontSize: 14, fontWeight: "normal" } },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `trial ${NA.esc(p.data[metricDim + 1])}: ${NA.esc(NA.fmt(p.data[metricDim]))}` },
      series: [{ type: "parallel", data: rows, lineStyle: { width: rows.length > 1000 ? 0.5 : 1.2, opacity: rows.length > 1000 ? 0.35 : 0.7 },
        inactiveOpacity: 0.04, activeOpacity: 1, progressive: 800, smooth: false }],
    }, true);
    parallelRows = rows; parallelIdDim = metricDim + 1;
    brushed(null);
    if (brushActive) {  // redrawing clears the brush
      brushActive = false; highlight(null);
      document.dispatchEvent(new CustomEvent("na-brushed", { detail: null }));
    }
    document.getElementById("axis-order").replaceChildren(...axes.map((a, i) => axisChip(a.name, i, axes.length)));
  }
  // An axis tick: short (1e-5, 0.001, 250), whatever the values' precision.
  function tick(v) {
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1).replace(/\.0e/, "e").replace("e+", "e");
    return String(Number(v.toPrecision(3)));
  }
  // Brushing: the ranges brushed on the axes become the trials table's parameter filters (so the table shows
  // every matching trial, not only the charted sample); the note says how many charted trials they keep.
  function brushFilters() {
    const filters = new URLSearchParams(), skipped = [];
    orderedAxes().forEach((a, d) => {
      const model = charts.parallel.getModel().getComponent("parallelAxis", d);
      const intervals = (model && model.activeIntervals) || [];
      if (!intervals.length) return;
      const axis = model.axis;
      if (axis.type === "category") {
        const cats = axis.scale.getOrdinalMeta().categories;
        const chosen = cats.filter((_, i) => intervals.some(([lo, hi]) => i >= lo && i <= hi));
        filters.set(NA.filterArg(a.key, a.layer), chosen.join("|"));
      } else if (a.layer) {
        skipped.push(a.label || a.name);
      } else {
        const [lo, hi] = intervals[0];
        filters.set(NA.filterArg(a.key), `${lo}..${hi}`);
      }
    });
    return { filters, skipped };
  }
  function brushed(ids) {
    const note = document.getElementById("brush-note");
    if (!ids) { note.replaceChildren(); return; }
    const { filters, skipped } = brushFilters();
    const parts = [`${ids.length} of ${parallelRows.length} charted trial(s) in the brushed ranges. `];
    if ([...filters.keys()].length)
      parts.push(NA.el("a", { id: "brush-trials", href: `/experiments/${exp}/trials?${filters}` }, "Show them in the trials table"));
    if (ids.length && ids.length <= 10)
      parts.push(" · ", NA.el("a", { id: "brush-compare", href: `/experiments/${exp}/compare?trials=${ids.map(encodeURIComponent).join(",")}` }, "Compare them"));
    if (skipped.length) parts.push(NA.el("span", { class: "muted" }, ` (the table cannot filter by ${skipped.join(", ")})`));
    note.replaceChildren(...parts);
  }
  charts.parallel.on("axisareaselected", () => {
    const series = charts.parallel.getModel().getSeries()[0];
    const active = series ? series.getRawIndicesByActiveState("active") : [];
    const any = orderedAxes().some((a, d) => ((charts.parallel.getModel().getComponent("parallelAxis", d) || {}).activeIntervals || []).length);
    brushActive = any;
    brushed(any ? active.map((i) => parallelRows[i][parallelIdDim]) : null);
    highlight(any ? new Set(active.map((i) => parallelRows[i][parallelIdDim])) : null);
    // The explore panels keep only the brushed trials (contour, rank, distribution) or highlight them (slice).
    document.dispatchEvent(new CustomEvent("na-brushed", { detail: any ? new Set(active.map((i) => parallelRows[i][parallelIdDim])) : null }));
  });

  // The strongest colour goes to the best trials: the highest values, or the lowest when minimizing.
  function bestLast(palette, sign) { return sign < 0 ? [...palette].reverse() : palette; }
  function axisChip(name, i, n) {
    const axis = data.axes.find((a) => a.name === name);
    const chip = NA.el("button", { type: "button", class: "chip", draggable: "true", "data-axis": name,
      title: `${name}: drag, or focus and press ←/→ to move` }, (axis && axis.label) || name);
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
  // Trials highlighted by a brush or a selection in the trials table (?trials=) in the per-trial charts.
  let marked = selected.length ? new Set(selected) : null;
  function highlight(ids) {
    marked = ids || (selected.length ? new Set(selected) : null); drawScatter(); drawBest();
    document.dispatchEvent(new CustomEvent("na-marked", { detail: marked }));
  }
  // Best so far as a step line up to the last finished trial, over every charted trial's metric.
  function drawBest() {
    if (document.body.dataset.multi) return;  // pareto.js draws the hypervolume there
    const c = NA.colors(), t = data.trials, steps = data.best_history.map((h) => [...h]);
    const last = data.last_finished;
    if (steps.length && last !== null && last > steps[steps.length - 1][0]) steps.push([last, steps[steps.length - 1][1], steps[steps.length - 1][2]]);
    const pts = t.seq.map((s, i) => [s, t.value[i], t.id[i]]).filter((p) => p[1] !== null);
    charts.best.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 36, bottom: 45 },
      legend: { top: 0, textStyle: { color: c.muted }, data: ["best so far", "trial metric"] },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.seriesName)} · #${NA.esc(p.value[0])} ${NA.esc(p.value[2])}: ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: { ...valueAxis("trial"), min: 0, max: last === null ? undefined : last }, yAxis: valueAxis(""),
      series: [
        { name: "trial metric", type: "scatter", data: pts, symbolSize: pts.length > 2000 ? 2 : 4, large: pts.length > 2000,
          itemStyle: { color: c.muted, opacity: 0.45 } },
        { name: "best so far", type: "line", step: "end", data: steps, symbolSize: 5, lineStyle: { width: 2 }, itemStyle: { color: c.accent } },
      ] }, true);
  }
  function drawScatter() {
    const c = NA.colors(), t = data.trials, pts = t.seq.map((s, i) => [s, t.value[i], t.id[i], t.status[i]]).filter((p) => p[1] !== null);
    const series = [{ name: "trials", type: "scatter", data: marked ? pts.filter((p) => !marked.has(p[2])) : pts,
      symbolSize: pts.length > 2000 ? 3 : 6, large: pts.length > 2000, itemStyle: marked ? { color: c.muted, opacity: 0.4 } : undefined }];
    if (marked) series.push({ name: "highlighted", type: "scatter", data: pts.filter((p) => marked.has(p[2])), symbolSize: 8, itemStyle: { color: c.bad } });
    charts.scatter.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 36, bottom: 45 },
      legend: marked ? { top: 0, textStyle: { color: c.muted } } : undefined,
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `#${NA.esc(p.value[0])} ${NA.esc(p.value[2])} (${NA.esc(p.value[3])}): ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: valueAxis("trial"), yAxis: valueAxis(""), series }, true);
  }
  function drawCurves() {
    const c = NA.colors(), series = [];
    const ids = Object.keys(curves.curves);
    if (curves.summary.length && !curves.selected) {
      const s = curves.summary;
      series.push({ name: "min (all trials)", type: "line", data: s.map((r) => [r[0], r[2]]), lineStyle: { type: "dashed", color: c.muted, width: 1 }, itemStyle: { color: c.muted }, showSymbol: false });
      series.push({ name: "mean (all trials)", type: "line", data: s.map((r) => [r[0], r[3]]), lineStyle: { color: c.text, width: 2 }, itemStyle: { color: c.text }, showSymbol: false });
      series.push({ name: "max (all trials)", type: "line", data: s.map((r) => [r[0], r[4]]), lineStyle: { type: "dashed", color: c.muted, width: 1 }, itemStyle: { color: c.muted }, showSymbol: false });
    }
    for (const [id, ys] of Object.entries(curves.curves)) {
      // Symbols on a few short curves only: fifty curves of symbols cost thousands of shapes; the lines
      // themselves answer hover and click (triggerLineEvent).
      series.push({ name: id, type: "line", data: ys.map((y, i) => [i, y]), showSymbol: ids.length <= 10 && ys.length < 40, symbolSize: 4,
        triggerLineEvent: true, lineStyle: { width: curves.selected ? 2 : 1, opacity: curves.selected ? 1 : 0.6 } });
    }
    charts.curves.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 50, bottom: 45 },
      legend: { type: "scroll", top: 0, textStyle: { color: c.muted }, pageTextStyle: { color: c.muted },
        data: series.map((x) => x.name), selector: ids.length > 3 ? [{ type: "all", title: "all" }, { type: "inverse", title: "invert" }] : false },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.seriesName)} step ${NA.esc(p.value[0])}: ${NA.esc(NA.fmt(p.value[1]))}` },
      xAxis: valueAxis("step"), yAxis: valueAxis(""), series }, true);
    document.getElementById("curves-note").textContent = curves.selected
      ? `${ids.length} selected trial(s)` : `the best ${ids.length} trial(s), with the min / mean / max at each step of ${curves.summary_sampled ? "an even sample of the" : "all"} trials`;
  }
  function drawDurations() {
    const d = data.trials.duration.filter((x) => x !== null);
    const bins = Math.min(20, Math.max(3, Math.ceil(Math.sqrt(d.length)))), lo = d.length ? Math.min(...d) : 0, hi = d.length ? Math.max(...d) : 0, w = (hi - lo) / bins || 1, counts = new Array(bins).fill(0);
    d.forEach((x) => { counts[Math.min(bins - 1, Math.floor((x - lo) / w))] += 1; });
    charts.durations.setOption({ ...NA.chartBase(), grid: { left: 50, right: 20, top: 20, bottom: 45 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => `${NA.esc(p.name)}: ${NA.esc(p.value)} trial(s)` },
      xAxis: { type: "category", data: counts.map((_, i) => NA.fmtDuration(lo + i * w)), ...axisStyle() },
      yAxis: { type: "value", minInterval: 1, ...axisStyle() }, series: [{ type: "bar", data: d.length ? counts : [] }] }, true);
  }
  function drawImportance() {
    const imp = data.importance, items = [...imp.axes].reverse(), c = NA.colors();
    charts.importance.setOption({ ...NA.chartBase(), grid: { left: 140, right: 30, top: 10, bottom: 30 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "item", formatter: (p) => {
        const a = items[p.dataIndex];
        return `${NA.esc(a.name)}: ${NA.esc(NA.fmt(Number(a.importance.toFixed(3))))} (80% band ${NA.esc(a.low.toFixed(2))}–${NA.esc(a.high.toFixed(2))}); ω² ${NA.esc(a.omega2.toFixed(3))}; its least-tried value has ${NA.esc(a.smallest_group)} trial(s)`;
      } },
      xAxis: { type: "value", min: 0, max: 1, ...axisStyle() }, yAxis: { type: "category", data: items.map((i) => (data.axes.find((a) => a.name === i.name) || {}).label || i.name), ...axisStyle() },
      series: [{ name: "importance", type: "bar", data: items.map((i) => i.importance) },
        { name: "band", type: "custom", data: items.map((i, k) => [k, i.low, i.high]), tooltip: { show: false }, z: 3,
          renderItem: (params, api) => {
            const a = api.coord([api.value(1), api.value(0)]), b = api.coord([api.value(2), api.value(0)]);
            const h = api.size([0, 1])[1] * 0.3;
            const style = { stroke: c.text, lineWidth: 1.2 };
            return { type: "group", children: [
              { type: "line", shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style },
              { type: "line", shape: { x1: a[0], y1: a[1] - h / 2, x2: a[0], y2: a[1] + h / 2 }, style },
              { type: "line", shape: { x1: b[0], y1: b[1] - h / 2, x2: b[0], y2: b[1] + h / 2 }, style }] };
          } }] }, true);
    document.getElementById("importance-note").textContent = imp.axes.length
      ? `Based on ${imp.of > imp.trials ? `an even sample of ${imp.trials} of the ${imp.of}` : imp.trials} trial(s) with a metric; whiskers span the 10th–90th percentile over bootstrap resamples.`
      : `Needs at least 3 trials with a metric (${imp.trials} so far).`;
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
      ? `${data.total} trials: charts show ${data.trials.id.length} of them (the best quarter and an even sample of the rest); best so far uses all${data.importance.of > data.importance.trials ? `, importance an even sample of ${data.importance.trials}` : " and so does importance"}.`
      : `${data.total} trial(s).`;
    drawAll();
    // The explore panels (explore.js) draw from the same data.
    document.dispatchEvent(new CustomEvent("na-charts", { detail: { data, marked } }));
  }
  load().catch((err) => NA.say(err.message, true));
  NA.onTheme(drawAll);
  NA.live(() => load().catch(() => {}));
})();
