// Trials table: server-side paging, sorting and filtering; the whole state lives in the URL query.
"use strict";
(() => {
  const exp = encodeURIComponent(NA.expId);
  const live = document.body.dataset.live === "true";
  const columnsMeta = JSON.parse(document.getElementById("columns-data").textContent);
  const shortOf = Object.fromEntries(columnsMeta.map((c) => [c.key, c.short]));
  const table = document.getElementById("trials-table");
  const state = readState();
  let rows = [], cursor = -1, total = 0, trialCount = null;

  function readState() {
    const q = new URL(location.href).searchParams;
    const params = {};
    // p.<key> filters a parameter; l.<layer>.<block key> the candidate chosen for a layer of a mutable block.
    for (const [k, v] of q.entries()) if (k.startsWith("p.") || k.startsWith("l.")) params[k] = v;
    const defaultCols = [...document.querySelectorAll('#column-chips [aria-pressed="true"]')].map((b) => b.dataset.col);
    return {
      q: q.get("q") || "", status: (q.get("status") || "").split(",").filter(Boolean), params,
      sort: q.get("sort") || "seq", order: q.get("order") || "asc", page: Number(q.get("page") || 1),
      size: Number(q.get("size") || 50), cols: q.has("cols") ? q.get("cols").split(",").filter(Boolean) : defaultCols,
      sel: new Set((q.get("sel") || "").split(",").filter(Boolean)),
    };
  }
  function query(forExport) {
    const q = new URLSearchParams();
    if (state.q) q.set("q", state.q);
    if (state.status.length) q.set("status", state.status.join(","));
    for (const [k, v] of Object.entries(state.params)) if (v) q.set(k, v);
    if (state.sort !== "seq") q.set("sort", state.sort);
    if (state.order !== "asc") q.set("order", state.order);
    q.set("cols", state.cols.join(","));
    if (!forExport) {
      if (state.page > 1) q.set("page", state.page);
      if (state.size !== 50) q.set("size", state.size);
    }
    return q;
  }
  function saveState() {
    const q = query(false);
    if (state.sel.size) q.set("sel", [...state.sel].join(","));
    const refresh = new URL(location.href).searchParams.get("refresh");
    if (refresh) q.set("refresh", refresh);
    history.replaceState(null, "", location.pathname + "?" + q.toString());
    const e = query(true).toString();
    document.getElementById("export-csv").href = `/api/experiments/${exp}/trials.csv?${e}`;
    document.getElementById("export-json").href = `/api/experiments/${exp}/trials.json?${e}`;
  }

  function title(col) {
    const [kind, key] = [col.split(":")[0], col.slice(col.indexOf(":") + 1)];
    if (kind === "param") return shortOf[key] || key;
    if (kind === "metric") return "metric " + key;
    return { final: "metric", intermediates: "reports", seq: "#" }[col] || col;
  }
  // The raw value of a cell (numbers stay numbers, so a column can share one format).
  function raw(row, col) {
    const i = col.indexOf(":"), kind = i > 0 ? col.slice(0, i) : col, key = col.slice(i + 1);
    if (kind === "param") return row.params[key];
    if (kind === "metric") return row.final && typeof row.final === "object" ? row.final[key] : null;
    if (col === "final") return row.final_default !== null ? row.final_default : row.last_intermediate;
    return undefined;
  }
  let formats = {};
  function value(row, col) {
    const i = col.indexOf(":"), kind = i > 0 ? col.slice(0, i) : col;
    const f = formats[col] || NA.fmt;
    if (kind === "param" || kind === "metric") return f(raw(row, col));
    switch (col) {
      case "final": return f(raw(row, col));
      case "duration": return NA.fmtDuration(row.duration);
      case "started": return NA.fmtTime(row.started_at);
      case "ended": return NA.fmtTime(row.ended_at);
      case "intermediates": return String(row.intermediate_count);
      case "reason": return row.reason || "";
      case "rank": return row.rank === null || row.rank === undefined ? "" : row.infeasible !== null ? `${row.rank} (infeasible)` : row.rank === 0 ? "0 (Pareto set)" : String(row.rank);
      default: return NA.fmt(row[col]);
    }
  }
  const sortKey = (col) => (col.startsWith("param:") || col.startsWith("metric:") ? col : col);
  const numeric = (col) => ["final", "seq", "intermediates", "duration", "rank"].includes(col) || col.startsWith("metric:");

  function header(cols) {
    const tr = NA.el("tr", {}, NA.el("th", { "aria-label": "Select" }, ""));
    for (const col of cols) {
      const sorted = state.sort === sortKey(col);
      const th = NA.el("th", { class: "sortable" + (numeric(col) ? " num" : ""), tabindex: 0, "data-col": col,
        title: col.startsWith("param:") ? col.slice(6) : null,
        "aria-sort": sorted ? (state.order === "asc" ? "ascending" : "descending") : null }, title(col));
      const go = () => {
        if (state.sort === sortKey(col)) state.order = state.order === "asc" ? "desc" : "asc";
        else { state.sort = sortKey(col); state.order = col === "final" && document.body.dataset.mode !== "minimize" ? "desc" : "asc"; }
        state.page = 1; load();
      };
      th.addEventListener("click", go);
      th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
      tr.append(th);
    }
    if (live) tr.append(NA.el("th", {}, ""));
    table.tHead.replaceChildren(tr);
  }
  function rowNode(row, cols) {
    const box = NA.el("input", { type: "checkbox", "aria-label": "Select trial " + row.id });
    box.checked = state.sel.has(row.id);
    box.addEventListener("change", () => { if (box.checked) state.sel.add(row.id); else state.sel.delete(row.id); selection(); });
    const tr = NA.el("tr", { "data-id": row.id, class: state.sel.has(row.id) ? "selected" : null }, NA.el("td", {}, box));
    for (const col of cols) {
      let content = value(row, col);
      if (col === "id") content = NA.el("a", { class: "mono", href: `/experiments/${exp}/trials/${encodeURIComponent(row.id)}` }, row.id);
      else if (col === "status") content = NA.el("span", { class: "badge s-" + row.status, title: row.reason || row.message }, row.status);
      else if (col === "final" && row.final_default === null && row.last_intermediate !== null)
        // No final metric (running, early-stopped, failed): the last reported value, marked as such.
        content = NA.el("span", { class: "partial", title: `last of ${row.intermediate_count} intermediate result(s); no final metric` }, content, NA.el("span", { class: "muted small" }, " (last)"));
      else if (col === "reason" && content) content = NA.el("span", { class: "reason", title: content }, content);
      else if (col === "rank" && row.infeasible) content = NA.el("span", { class: "s-FAILED", title: `breaks ${row.infeasible}` }, content);
      const cls = [numeric(col) ? "num" : null, col === "started" || col === "ended" || col === "duration" ? "nowrap" : null].filter(Boolean).join(" ");
      tr.append(NA.el("td", { class: cls || null, "data-col": col }, content));
    }
    if (live) {
      const cell = NA.el("td");
      if (row.status === "RUNNING")
        cell.append(NA.el("button", { type: "button", class: "danger small kill", "data-id": row.id,
          onclick: () => NA.action("kill_trial", { trial_id: row.id }, () => load()) }, "Kill"));
      if (row.status === "FAILED")
        cell.append(NA.el("button", { type: "button", class: "small rerun", "data-id": row.id,
          onclick: () => NA.action("rerun_trial", { trial_id: row.id }, () => setTimeout(load, 500)) }, "Re-run"));
      tr.append(cell);
    }
    return tr;
  }
  function selection() {
    document.getElementById("selection").textContent = state.sel.size ? `${state.sel.size} selected` : "";
    const compare = document.getElementById("compare");
    compare.disabled = state.sel.size < 2 || state.sel.size > 10;
    compare.title = compare.disabled ? "Select 2 to 10 trials to compare them" : "";
    document.getElementById("show-in-charts").disabled = state.sel.size === 0;
    document.getElementById("clear-selection").disabled = state.sel.size === 0;
    table.tBodies[0].querySelectorAll("tr").forEach((tr) => tr.classList.toggle("selected", state.sel.has(tr.dataset.id)));
    saveState();
  }
  function render(data) {
    rows = data.trials; total = data.total;
    formats = Object.fromEntries(data.columns.map((col) => [col, NA.columnFormat(rows.map((r) => raw(r, col)))]));
    header(data.columns);
    const body = table.tBodies[0];
    if (!rows.length) body.replaceChildren(NA.el("tr", {}, NA.el("td", { colspan: data.columns.length + 2, class: "empty" }, "No trial matches.")));
    else body.replaceChildren(...rows.map((r) => rowNode(r, data.columns)));
    const pages = Math.max(1, Math.ceil(total / state.size));
    document.getElementById("total").textContent = `${total} trial(s)`;
    document.getElementById("page-info").textContent = `page ${state.page} of ${pages}`;
    document.getElementById("prev").disabled = state.page <= 1;
    document.getElementById("next").disabled = state.page >= pages;
    cursor = Math.min(cursor, rows.length - 1);
    selection();
  }
  let inflight = 0;
  async function load() {
    const ticket = ++inflight;
    saveState();
    try {
      const data = await NA.getJSON(`/api/experiments/${exp}/trials?${query(false)}`);
      if (ticket === inflight) render(data);
    } catch (err) { NA.say(err.message, true); }
  }

  // Controls, initialised from the URL.
  const search = document.getElementById("search");
  search.value = state.q;
  let debounce = null;
  search.addEventListener("input", () => { clearTimeout(debounce); debounce = setTimeout(() => { state.q = search.value; state.page = 1; load(); }, 200); });
  document.querySelectorAll("#status-chips .chip").forEach((chip) => {
    chip.setAttribute("aria-pressed", String(state.status.includes(chip.dataset.status)));
    chip.addEventListener("click", () => {
      const s = chip.dataset.status, on = !state.status.includes(s);
      state.status = on ? [...state.status, s] : state.status.filter((x) => x !== s);
      chip.setAttribute("aria-pressed", String(on)); state.page = 1; load();
    });
  });
  document.querySelectorAll("#param-filters input").forEach((input) => {
    const arg = NA.filterArg(input.dataset.param, input.dataset.layer);
    input.value = state.params[arg] || "";
    input.addEventListener("change", () => { state.params[arg] = input.value.trim(); state.page = 1; load(); });
  });
  if (Object.values(state.params).some(Boolean)) document.getElementById("filters-panel").open = true;
  document.querySelectorAll("#column-chips .chip").forEach((chip) => {
    chip.setAttribute("aria-pressed", String(state.cols.includes(chip.dataset.col)));
    chip.addEventListener("click", () => {
      const c = chip.dataset.col, on = !state.cols.includes(c);
      state.cols = on ? [...state.cols, c] : state.cols.filter((x) => x !== c);
      chip.setAttribute("aria-pressed", String(on)); load();
    });
  });
  const size = document.getElementById("page-size");
  size.value = String(state.size);
  size.addEventListener("change", () => { state.size = Number(size.value); state.page = 1; load(); });
  document.getElementById("prev").addEventListener("click", () => { state.page -= 1; load(); });
  document.getElementById("next").addEventListener("click", () => { state.page += 1; load(); });
  document.getElementById("clear-selection").addEventListener("click", () => { state.sel.clear(); table.querySelectorAll("tbody input").forEach((b) => { b.checked = false; }); selection(); });
  document.getElementById("show-in-charts").addEventListener("click", () => { location.href = `/experiments/${exp}/charts?trials=${[...state.sel].map(encodeURIComponent).join(",")}`; });
  document.getElementById("compare").addEventListener("click", () => { location.href = `/experiments/${exp}/compare?trials=${[...state.sel].map(encodeURIComponent).join(",")}`; });

  NA.onKey((e) => {
    const trs = [...table.tBodies[0].querySelectorAll("tr[data-id]")];
    if (!trs.length) return;
    if (e.key === "j" || e.key === "k") {
      cursor = Math.max(0, Math.min(trs.length - 1, cursor + (e.key === "j" ? 1 : -1)));
      trs.forEach((tr, i) => { tr.classList.toggle("cursor", i === cursor); tr.setAttribute("aria-current", i === cursor ? "true" : "false"); });
      // The row takes the focus (not its checkbox), so the next key still reaches this handler.
      trs[cursor].tabIndex = -1;
      trs[cursor].focus();
    } else if (e.key === "Enter" && cursor >= 0) trs[cursor].querySelector("a").click();
    else if (e.key === "x" && cursor >= 0) trs[cursor].querySelector("input").click();
    else if (e.key === "ArrowRight" && !document.getElementById("next").disabled) { state.page += 1; cursor = -1; load(); }
    else if (e.key === "ArrowLeft" && state.page > 1) { state.page -= 1; cursor = -1; load(); }
  });

  // Live: refetch the page only when a trial on it changed or trials were added.
  NA.live((changes) => {
    const shown = new Set(rows.map((r) => r.id));
    const added = trialCount !== null && changes.experiment.trial_count !== trialCount;
    trialCount = changes.experiment.trial_count;
    if (added || changes.trials.some((t) => shown.has(t.id))) load();
  });
  load();
})();
