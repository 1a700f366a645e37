// Athlete upload page: resumable chunked upload (PUT + Content-Range), progress, status.
// Plain JavaScript, no build step. The resume point lives on the server (GET offset);
// localStorage only remembers which session and clip a file belongs to.
(function () {
  "use strict";
  const root = document.getElementById("uploader");
  if (!root) return;
  const base = root.dataset.base.replace(/\/$/, "");
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const stateEl = document.getElementById("state");
  const storeKey = "formcheck-upload:" + base;
  const files = {};

  function saved() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function save(data) { localStorage.setItem(storeKey, JSON.stringify(data)); }
  function fileKey(f) { return [f.name, f.size, f.lastModified].join("|"); }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function say(text) { stateEl.textContent = text; }

  function parseElapsed(text) {
    text = (text || "").trim();
    if (!text) return 0;
    let s = 0;
    for (const part of text.split(":")) {
      const v = Number(part);
      if (!isFinite(v) || v < 0) throw new Error("time into the run: expected M:SS, got " + text);
      s = s * 60 + v;
    }
    return s;
  }

  async function post(url, fields) {
    const body = new URLSearchParams(fields);
    const r = await fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf },
    });
    const data = await r.json().catch(function () { return { error: "HTTP " + r.status }; });
    if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
    return data;
  }

  function putChunk(url, blob, start, total, onProgress) {
    return new Promise(function (resolve, reject) {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("Content-Range", "bytes " + start + "-" + (start + blob.size - 1) + "/" + total);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = function (e) { onProgress(start + e.loaded); };
      xhr.onload = function () {
        let data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
        resolve({ status: xhr.status, data: data });
      };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.ontimeout = function () { reject(new Error("network")); };
      xhr.send(blob);
    });
  }

  async function offsetOf(clipUrl) {
    const r = await fetch(clipUrl, { credentials: "same-origin" });
    const data = await r.json();
    if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
    return data;
  }

  // Sends one file from the server's offset; retries network failures with backoff.
  async function sendFile(file, clipUid, chunkBytes, box) {
    const bar = box.querySelector("progress");
    const msg = box.querySelector(".msg");
    const clipUrl = base + "/clips/" + clipUid;
    let wait = 1000;
    for (;;) {
      let info;
      try { info = await offsetOf(clipUrl); } catch (e) {
        if (e.message !== "network" && !(e instanceof TypeError)) throw e;
        msg.textContent = "connection lost, retrying..."; await sleep(wait); wait = Math.min(wait * 2, 30000); continue;
      }
      if (info.state === "received") { bar.value = 100; msg.textContent = "received"; return; }
      if (info.state === "refused") throw new Error(info.error);
      let offset = info.offset;
      try {
        while (offset < file.size) {
          const end = Math.min(offset + chunkBytes, file.size);
          const res = await putChunk(clipUrl, file.slice(offset, end), offset, file.size, function (done) {
            bar.value = Math.floor(100 * done / file.size);
            msg.textContent = Math.floor(100 * done / file.size) + " %";
          });
          if (res.status === 409 && res.data.offset !== undefined) { offset = res.data.offset; continue; }
          if (res.status >= 400) throw new Error(res.data.error || ("HTTP " + res.status));
          offset = res.data.offset;
          wait = 1000;
          if (res.data.state === "received") { bar.value = 100; msg.textContent = "received"; return; }
        }
      } catch (e) {
        if (e.message !== "network") throw e;
        msg.textContent = "connection lost, resuming..."; await sleep(wait); wait = Math.min(wait * 2, 30000);
      }
    }
  }

  async function pollStatus(sessionUid) {
    for (;;) {
      let data;
      try {
        const r = await fetch(base + "/sessions/" + sessionUid + "/status", { credentials: "same-origin" });
        data = await r.json();
      } catch (e) { await sleep(5000); continue; }
      if (data.state === "ready") { say("ready: your coach has the analysis"); return; }
      if (data.state === "failed") { say("the analysis failed: " + (data.error || "") + " (your coach can see why)"); return; }
      if (data.state === "analysing") say("analysing (" + data.progress + " %)");
      else say("received");
      await sleep(2000);
    }
  }

  async function run() {
    const chosen = Object.keys(files);
    if (!chosen.length) { say("choose a video first"); return; }
    document.getElementById("send").disabled = true;
    try {
      let st = saved();
      if (!st.session || st.submitted) {
        const fields = Object.fromEntries(new FormData(document.getElementById("fields")).entries());
        const data = await post(base + "/sessions", fields);
        st = { session: data.session, clips: {} };
        save(st);
      }
      for (const role of chosen) {
        const file = files[role];
        const box = root.querySelector(".drop[data-role=" + role + "]");
        let rec = st.clips[role];
        if (!rec || rec.key !== fileKey(file)) {
          const elapsed = parseElapsed(box.querySelector(".elapsed").value);
          const data = await post(base + "/sessions/" + st.session + "/clips",
            { role: role, size: String(file.size), name: file.name, elapsed_s: String(elapsed) });
          rec = { clip: data.clip, key: fileKey(file), chunk: data.chunk_bytes };
          st.clips[role] = rec; save(st);
        }
        try {
          await sendFile(file, rec.clip, rec.chunk, box);
        } catch (e) {
          delete st.clips[role]; save(st);
          box.querySelector(".msg").textContent = "refused: " + e.message;
          throw e;
        }
      }
      await post(base + "/sessions/" + st.session + "/submit", {});
      st.submitted = true; save(st);
      say("received");
      await pollStatus(st.session);
    } catch (e) {
      say(e.message);
    } finally {
      document.getElementById("send").disabled = false;
    }
  }

  root.querySelectorAll(".drop").forEach(function (box) {
    const role = box.dataset.role;
    const input = box.querySelector(".file");
    function pick(file) {
      if (!file) return;
      files[role] = file;
      const rec = (saved().clips || {})[role];
      box.querySelector(".msg").textContent = file.name +
        (rec && rec.key === fileKey(file) ? " (will resume)" : "");
    }
    input.addEventListener("change", function () { pick(input.files[0]); });
    box.addEventListener("dragover", function (e) { e.preventDefault(); box.classList.add("over"); });
    box.addEventListener("dragleave", function () { box.classList.remove("over"); });
    box.addEventListener("drop", function (e) {
      e.preventDefault(); box.classList.remove("over");
      pick(e.dataTransfer.files[0]);
    });
  });
  document.getElementById("send").addEventListener("click", run);
  const st = saved();
  if (st.session && st.submitted) pollStatus(st.session);
  else if (st.session && Object.keys(st.clips || {}).length)
    say("an upload was interrupted: choose the same file again to resume");
})();
