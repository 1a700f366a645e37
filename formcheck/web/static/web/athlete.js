// Coach's athlete page: confirm deletes, refresh job progress while a job runs.
(function () {
  "use strict";
  document.querySelectorAll("form.confirm").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm("Delete this session, its videos and every derived file?")) e.preventDefault();
    });
  });
  const rows = Array.from(document.querySelectorAll("tr[data-job-url]"));
  async function refresh() {
    let busy = false;
    for (const row of rows) {
      const cell = row.querySelector(".job .status");
      if (!cell || !["queued", "running"].includes(cell.textContent)) continue;
      busy = true;
      try {
        const data = await (await fetch(row.dataset.jobUrl, { credentials: "same-origin" })).json();
        cell.textContent = data.status;
        cell.className = "status status-" + data.status;
        let pct = row.querySelector(".job .pct");
        if (!pct) { pct = document.createElement("span"); pct.className = "pct"; cell.after(pct); }
        pct.textContent = data.status === "running" ? " " + data.progress + " % " + data.stage : "";
        if (data.status === "succeeded" || data.status === "failed") { window.location.reload(); return; }
      } catch (e) { /* try again on the next tick */ }
    }
    if (busy) setTimeout(refresh, 3000);
  }
  refresh();
})();
