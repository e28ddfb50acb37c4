// Trial detail: intermediate curve, log tails with "show all", copy parameters as Python, the code diff,
// kill / re-run buttons for a running experiment, live refresh while the trial runs.
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  const trialId = document.getElementById("trial-head").dataset.trial;
  const base = `/api/experiments/${exp}/trials/${encodeURIComponent(trialId)}`;
  const chart = NA.chart("chart-trial");
  let points = [];

  function draw() {
    const c = NA.colors();
    chart.setOption({ ...NA.chartBase(), grid: { left: 60, right: 20, top: 20, bottom: 40 },
      tooltip: { ...NA.chartBase().tooltip, trigger: "axis", formatter: (ps) => ps.map((p) => `step ${NA.esc(p.value[0])}: ${NA.esc(NA.fmt(p.value[1]))}`).join("<br>") },
      xAxis: { type: "value", name: "step", nameLocation: "middle", nameGap: 25, minInterval: 1, axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } } },
      yAxis: { type: "value", scale: true, axisLine: { lineStyle: { color: c.muted } }, splitLine: { lineStyle: { color: c.line } } },
      series: [{ type: "line", data: points, symbolSize: 5 }] }, true);
  }
  async function loadTrial() {
    const t = await NA.getJSON(base);
    points = t.intermediates.map((i) => [i.seq, i.default]);
    const box = document.getElementById("chart-trial"), shown = points.length > 0;
    document.getElementById("no-intermediates").hidden = shown;
    if (shown && box.hidden) { box.hidden = false; chart.resize(); }
    if (shown) draw();
    return t;
  }
  // A one-shot trial's architecture.json: per layer its final weights (bars, chosen ones marked) and their history.
  let nas = null;
  function drawNas() {
    const box = document.getElementById("nas-blocks");
    if (!nas) return;
    document.getElementById("nas-about").textContent = NA.nas.about(nas);
    const note = document.getElementById("nas-note");
    note.hidden = !nas.note;
    note.textContent = nas.note ? `architecture.json: ${nas.note}.` : "";
    box.querySelectorAll(".chart").forEach((n) => { const old = echarts.getInstanceByDom(n); if (old) old.dispose(); });
    box.replaceChildren();
    nas.blocks.forEach((block, bi) => {
      box.append(NA.el("h3", { class: "mono small" }, block.key));
      block.layers.forEach((layer, li) => {
        const id = `nas-bars-${bi}-${li}`, rows = layer.candidates.length + layer.inputs.length;
        const history = NA.el("div");
        box.append(NA.el("div", { class: "nas-layer" }, NA.el("div", { class: "chart", id, role: "img", "aria-label": `Final weights of ${layer.name}`, style: `height:${40 + 26 * rows}px` }), history));
        NA.chart(id).setOption(NA.nas.barsOption(layer), true);
        NA.nas.histories(history, { layers: [layer] }, nas.steps, `nas-history-${bi}-${li}`);
      });
    });
  }
  async function loadNas() {
    const got = await NA.getJSON(`${base}/architecture`);
    nas = got.nas;
    document.getElementById("nas-panel").hidden = !nas;
    drawNas();
  }
  async function loadLog(name, all) {
    const node = document.getElementById("log-" + name);
    try {
      const response = await fetch(`${base}/log/${name}` + (all ? "?tail=all" : "?tail=16384"));
      if (!response.ok) { const e = await response.json(); node.textContent = e.error; return; }
      const text = await response.text();
      const cut = response.headers.get("X-Log-Truncated") === "1", size = Number(response.headers.get("X-Log-Size"));
      // "Show all" is offered only when there is more to show; past the server's cap, the whole file is a download.
      const button = document.querySelector(`button.show-all[data-log="${name}"]`);
      button.hidden = !cut || all;
      const head = cut ? `… (the end of ${size} bytes${all ? ": the whole file is too big to show here" : ""})\n` : "";
      node.replaceChildren(head + (text || "(empty)"));
      if (cut && all) node.prepend(NA.el("a", { href: `${base}/log/${name}?download=1`, class: "download" }, "Download the whole file"), "\n");
      node.scrollTop = node.scrollHeight;
    } catch (err) { node.textContent = err.message; }
  }
  async function loadDiff() {
    const box = document.getElementById("diff");
    const d = await NA.getJSON(`${base}/diff`);
    if (d.unavailable) { box.replaceChildren(NA.el("p", { class: "muted small" }, d.unavailable)); return; }
    if (!d.files.length) { box.replaceChildren(NA.el("p", { class: "muted small" }, "No annotated files.")); return; }
    box.replaceChildren(...d.files.flatMap((f) => {
      const pre = NA.el("pre");
      f.diff.split("\n").forEach((line) => {
        const cls = line.startsWith("@@") ? "hunk" : line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : null;
        pre.append(NA.el("span", { class: cls }, line + "\n"));
      });
      return [NA.el("h3", { class: "small mono" }, f.path), pre];
    }));
  }

  document.querySelectorAll("button.show-all").forEach((b) => b.addEventListener("click", () => loadLog(b.dataset.log, true)));
  document.getElementById("copy-python").addEventListener("click", async () => {
    const text = document.getElementById("params-python").textContent;
    try { await navigator.clipboard.writeText(text); NA.say("copied the parameters as Python"); }
    catch (e) { const pre = document.getElementById("params-python"); pre.hidden = false; getSelection().selectAllChildren(pre); NA.say("select and copy the text below"); }
  });
  const kill = document.getElementById("kill-trial");
  if (kill) kill.addEventListener("click", () => NA.action("kill_trial", { trial_id: trialId }, () => setTimeout(() => location.reload(), 400)));
  const rerun = document.getElementById("rerun-trial");
  if (rerun) rerun.addEventListener("click", () => NA.action("rerun_trial", { trial_id: trialId }));

  loadTrial().catch((err) => NA.say(err.message, true));
  ["stdout", "stderr"].forEach((n) => loadLog(n, false));
  loadDiff().catch((err) => NA.say(err.message, true));
  loadNas().catch((err) => NA.say(err.message, true));
  NA.onTheme(draw);
  NA.onTheme(drawNas);
  NA.live((changes) => {
    const mine = changes.trials.find((t) => t.id === trialId);
    if (!mine) return;
    const badge = document.getElementById("trial-status");
    badge.textContent = mine.status; badge.className = "badge s-" + mine.status;
    loadTrial().catch(() => {});
    loadNas().catch(() => {});
    ["stdout", "stderr"].forEach((n) => loadLog(n, false));
  });
})();
