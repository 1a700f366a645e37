// Review player: frame-exact stepping with requestVideoFrameCallback, contacts timeline,
// findings (server-rendered) that seek to their evidence, speed, stride loop, notes. Plain JavaScript.
// Frame numbers are the report's: frame = round(mediaTime x fps), fps shipped in the JSON.
(function () {
  "use strict";
  const root = document.getElementById("review");
  if (!root) return;
  const readonly = root.dataset.readonly === "1";
  const csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  const csrf = csrfInput ? csrfInput.value : "";
  const readout = root.querySelector(".readout");
  const timeline = root.querySelector(".timeline");
  let data = null;
  let players = [];   // {clip, video, frame}
  let active = 0;
  let loop = null;    // {start, end} frames of the looped stride

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;   // text, never HTML
    return e;
  }
  function cur() { return players[active]; }
  function frameOf(p, t) { return Math.max(0, Math.min(p.clip.frames - 1, Math.round(t * p.clip.fps))); }
  function show() {
    const p = cur();
    if (!p) return;
    const label = players.length > 1 ? (p.clip.index === 0 ? "early: " : "late: ") : "";
    readout.textContent = label + (p.frame / p.clip.fps).toFixed(3) + " s (frame " + p.frame + ")";
    readout.dataset.frame = String(p.frame);
    drawTimeline();
  }
  function seekFrame(k, clipIndex) {
    if (clipIndex !== undefined && clipIndex !== active && players[clipIndex]) setActive(clipIndex);
    const p = cur();
    const f = Math.max(0, Math.min(p.clip.frames - 1, k));
    p.video.pause();
    // the middle of the frame's display interval: never lands on the previous frame
    p.video.currentTime = (f + 0.5) / p.clip.fps;
    p.frame = f;
    show();
  }
  function watch(p) {
    const v = p.video;
    if ("requestVideoFrameCallback" in v) {
      const cb = function (now, meta) {
        p.frame = frameOf(p, meta.mediaTime);
        if (loop && players[active] === p && p.frame >= loop.end) v.currentTime = (loop.start + 0.5) / p.clip.fps;
        if (players[active] === p) show();
        v.requestVideoFrameCallback(cb);
      };
      v.requestVideoFrameCallback(cb);
    } else {
      v.addEventListener("timeupdate", function () { p.frame = frameOf(p, v.currentTime); show(); });
    }
    v.addEventListener("seeked", function () { if (players[active] === p) show(); });
  }
  function setActive(k) {
    active = k;
    players.forEach(function (p, i) { p.box.classList.toggle("active", i === k); });
    loop = null;
    root.querySelector("[data-act=loop]").setAttribute("aria-pressed", "false");
    show();
  }
  function contactsOf(k) { return data.contacts.filter(function (c) { return c.clip === k; }); }
  function jumpContact(dir) {
    const p = cur();
    const frames = contactsOf(p.clip.index).map(function (c) { return c.ic_frame; });
    const next = dir > 0 ? frames.find(function (f) { return f > p.frame; })
                         : frames.slice().reverse().find(function (f) { return f < p.frame; });
    if (next !== undefined) seekFrame(next);
  }
  function toggleLoop(btn) {
    const p = cur();
    if (loop) { loop = null; btn.setAttribute("aria-pressed", "false"); return; }
    const s = data.strides.find(function (s) { return s.clip === p.clip.index && s.start_frame <= p.frame && p.frame < s.end_frame; })
      || data.strides.find(function (s) { return s.clip === p.clip.index; });
    if (!s) return;
    loop = { start: s.start_frame, end: s.end_frame };
    btn.setAttribute("aria-pressed", "true");
    seekFrame(s.start_frame);
    p.video.play();
  }
  function act(name, btn) {
    const p = cur();
    if (!p) return;
    if (name === "prev") seekFrame(p.frame - 1);
    else if (name === "next") seekFrame(p.frame + 1);
    else if (name === "play") { if (p.video.paused) p.video.play(); else p.video.pause(); }
    else if (name === "prevc") jumpContact(-1);
    else if (name === "nextc") jumpContact(1);
    else if (name === "loop") toggleLoop(btn || root.querySelector("[data-act=loop]"));
  }

  function drawTimeline() {
    const p = cur();
    timeline.replaceChildren();
    if (!p) return;
    const n = p.clip.frames;
    function at(f) { return (100 * f / Math.max(n - 1, 1)) + "%"; }
    contactsOf(p.clip.index).forEach(function (c) {
      const t = el("button", "tick" + (c.flagged ? " flagged" : "") + (c.usable ? "" : " unusable"));
      t.type = "button";
      t.style.left = at(c.ic_frame);
      t.title = c.leg + " contact, frame " + c.ic_frame + (c.flagged ? " (flagged)" : "") + (c.usable ? "" : " (unusable)");
      t.addEventListener("click", function (e) { e.stopPropagation(); seekFrame(c.ic_frame); });
      timeline.appendChild(t);
    });
    data.notes.filter(function (nt) { return nt.clip === p.clip.index; }).forEach(function (nt) {
      const m = el("span", "tick note");
      m.style.left = at(nt.start_frame);
      if (nt.end_frame !== null) m.style.width = "calc(" + at(nt.end_frame - nt.start_frame) + " + 2px)";
      m.title = nt.text;
      timeline.appendChild(m);
    });
    const head = el("span", "head");
    head.style.left = at(p.frame);
    timeline.appendChild(head);
  }
  timeline.addEventListener("click", function (e) {
    const p = cur();
    const r = timeline.getBoundingClientRect();
    seekFrame(Math.round((e.clientX - r.left) / r.width * (p.clip.frames - 1)));
  });

  // The finding cards are server-rendered from report.html's partial (one design);
  // their evidence buttons carry the clip and frame to seek to.
  function wireFindings() {
    root.querySelectorAll(".evidence").forEach(function (b) {
      b.addEventListener("click", function () { seekFrame(Number(b.dataset.frame), Number(b.dataset.clip)); });
    });
  }

  function renderNotes() {
    const ul = root.querySelector(".notes");
    ul.replaceChildren();
    data.notes.forEach(function (n) {
      const li = el("li", "note");
      const where = n.end_frame === null ? "frame " + n.start_frame : "frames " + n.start_frame + "-" + n.end_frame;
      const go = el("button", "seek", where + (players.length > 1 ? (n.clip ? " (late)" : " (early)") : ""));
      go.type = "button";
      go.addEventListener("click", function () { seekFrame(n.start_frame, n.clip); });
      li.appendChild(go);
      const text = el("span", "text", n.text);
      li.appendChild(text);
      if (!readonly) {
        const edit = el("button", "", "edit"); edit.type = "button";
        edit.addEventListener("click", function () { editNote(li, n); });
        const del = el("button", "danger", "delete"); del.type = "button";
        del.addEventListener("click", function () { postNote("/notes/" + n.id + "/delete", {}); });
        li.append(edit, del);
      }
      ul.appendChild(li);
    });
    drawTimeline();
  }
  function editNote(li, n) {
    const area = el("textarea"); area.value = n.text; area.rows = 3;
    const ok = el("button", "", "save"); ok.type = "button";
    ok.addEventListener("click", function () {
      postNote("/notes/" + n.id, { text: area.value, clip: n.clip, start_frame: n.start_frame,
        end_frame: n.end_frame === null ? "" : n.end_frame });
    });
    li.replaceChildren(area, ok);
  }
  async function postNote(url, fields) {
    const r = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf }, body: new URLSearchParams(fields) });
    const body = await r.json().catch(function () { return {}; });
    if (!r.ok) { window.alert(body.error || ("HTTP " + r.status)); return; }
    const list = await (await fetch(root.dataset.notesUrl, { credentials: "same-origin" })).json();
    data.notes = list.notes;
    renderNotes();
  }
  const form = root.querySelector(".note-form");
  if (form) form.addEventListener("submit", function (e) {
    e.preventDefault();
    const p = cur();
    const fd = new FormData(form);
    const fields = { text: fd.get("text"), clip: p.clip.index, start_frame: p.frame, end_frame: "" };
    if (fd.get("range")) fields.end_frame = fd.get("end_frame");
    postNote(root.dataset.notesUrl, fields).then(function () { form.reset(); });
  });

  root.querySelectorAll("[data-act]").forEach(function (b) {
    b.addEventListener("click", function () { act(b.dataset.act, b); });
  });
  root.querySelector(".speed").addEventListener("change", function (e) {
    players.forEach(function (p) { p.video.playbackRate = Number(e.target.value); });
  });
  document.addEventListener("keydown", function (e) {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    const keys = { ArrowLeft: "prev", ArrowRight: "next", " ": "play", "[": "prevc", "]": "nextc", l: "loop" };
    if (keys[e.key]) { e.preventDefault(); act(keys[e.key]); }
  });

  fetch(root.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
    data = d;
    if (!d.ready) {
      root.querySelector(".videos").appendChild(el("p", "state", "The analysis is not ready yet."));
      renderNotes();
      return;
    }
    const box = root.querySelector(".videos");
    players = d.clips.map(function (clip, k) {
      const wrap = el("div", "clip");
      if (d.clips.length > 1) wrap.appendChild(el("div", "cliplabel", k === 0 ? "early" : "late"));
      const v = el("video");
      v.src = clip.video_url; v.preload = "auto"; v.muted = true; v.playsInline = true;
      v.dataset.clip = String(k);
      wrap.appendChild(v);
      wrap.addEventListener("click", function () { if (active !== k) setActive(k); });
      box.appendChild(wrap);
      const p = { clip: clip, video: v, frame: 0, box: wrap };
      watch(p);
      return p;
    });
    setActive(0);
    wireFindings();
    renderNotes();
    root.dataset.loaded = "1";
  });
})();
