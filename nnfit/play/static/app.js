// The page: one WebSocket to nnfit's server (this tab's own session), the controls, the points
// under the mouse, and the play loop. Every number shown comes from the server's engine.
"use strict";

const $ = (id) => document.getElementById(id);
const app = {
  ws: null, state: null, history: [], pending: 0, playing: false, dragging: null, view: null, frame: null,
  note: null,     // a message shown for a while beside the findings (a CSV read as GBK), until note.until
  held: null,     // a point just dropped, kept in place while replies to earlier messages arrive
  sent: [],       // the messages whose replies are still to come, in order: each one's points, for a points message
  confirmed: null, // the points of the server's last state
  closed: false,  // the server is gone
};

function send(message) {
  if (!app.ws || app.ws.readyState !== WebSocket.OPEN) return false;
  message.history_from = app.history.length;
  app.pending++;
  app.sent.push(message.type === "points" ? { x: message.x, y: message.y } : null);
  document.body.dataset.ready = "0";
  app.ws.send(JSON.stringify(message));
  return true;
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  app.ws = ws;
  showMessage([{ level: "info", ...both("connecting") }]);
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = (event) => {
    stopPlaying();
    app.closed = event.code === 1013 ? "busy" : true;  // 1013: the server has MAX_TABS tabs open (server.py)
    app.dragging = null;
    for (const e of document.querySelectorAll("#controls input, #controls select, #controls button")) e.disabled = true;
    showMessage([]);
  };
}

function receive(reply) {
  app.pending = Math.max(0, app.pending - 1);
  const sent = app.sent.shift();  // (the server answers in order: this reply is the oldest message's)
  const held = app.held;  // a point just dropped: replies to messages sent before it still carry its old place
  if (held) {
    if (held.replies > 0) held.replies--;
    else app.held = null;  // (this is the reply to the points message itself)
  }
  if (reply.type === "error") {
    stopPlaying();
    app.note = null;
    if (sent && app.state && !latestPoints()) {  // refused points (2001 of them): back to the server's
      app.state.points = { x: app.confirmed.x.slice(), y: app.confirmed.y.slice() };
      render();
    }
    showMessage([{ level: "error", zh: `${WORDS.zh.error}：${reply.zh}`, en: `${WORDS.en.error}: ${reply.en}` }]);
    if (app.state) fillSettings(app.state.settings);  // the controls show what the server holds
  } else {
    const h = reply.history;
    app.history = app.history.slice(0, h.start).concat(h.values);
    app.state = reply;
    const dragging = app.dragging && app.dragging.moved ? app.dragging : null;
    app.confirmed = { x: reply.points.x.slice(), y: reply.points.y.slice() };  // the server's points
    const edited = latestPoints();
    if (edited) {  // points sent and not yet answered: they are what the user sees and edits next (a point just
      reply.points = { x: edited.x.slice(), y: edited.y.slice() };  // dropped is in them, where it was dropped)
    }
    // a reply during a drag, or just after a drop whose points were not sent: the point stays where it is (held's
    // index is the list's at the drop; once other edits were sent after it, it may not be: helper-69)
    const d = dragging || (edited ? null : app.held);
    if (d && d.k < reply.points.x.length) {
      reply.points.x[d.k] = d.x;
      reply.points.y[d.k] = d.y;
    }
    if (!(dragging || app.held || edited)) app.view = fitView(reply, $("terms").checked);  // (the view holds still while edits are in flight)
    render();
    if (reply.diverged) stopPlaying();
  }
  document.body.dataset.ready = app.pending === 0 ? "1" : "0";
  if (app.playing && app.pending === 0) setTimeout(tick, 15);
}

// -- what the page shows --------------------------------------------------------------------------

function render() {
  const s = app.state;
  if (!s) return;
  $("epoch").textContent = String(s.epoch);
  $("step").textContent = `${s.step} / ${s.steps}`;
  $("loss").textContent = s.loss_text === null ? "–" : s.loss_text;
  fillSettings(s.settings);
  app.frame = drawFit($("plot"), s, app.view, $("terms").checked, WORDS[LANG]);
  // What the canvas shows, readable without pixels: the number of points and ŷ at 11 grid points.
  $("plot").dataset.points = String(s.points.x.length);
  $("plot").dataset.curve = s.curve.y.filter((_, k) => k % 100 === 0 || k === s.curve.y.length - 1).map(g6).join(" ");
  drawLoss($("loss-plot"), app.history, $("log").checked, WORDS[LANG]);
  renderParams($("params"), s.params);
  renderLedger($("ledger"), s.ledger, s.diverged);
  if (app.note && Date.now() > app.note.until) app.note = null;
  showMessage(app.note ? s.findings.concat([app.note]) : s.findings);
}

function fillSettings(st) {
  // While replies are still coming, a control may hold a change the server has not answered yet (a
  // text field's blur sends its change just before a checkbox click sends its own): the last reply fills.
  if (app.pending > 0) return;
  const set = (id, v) => { if (document.activeElement !== $(id)) $(id).value = String(v); };
  set("seed", st.seed); set("hidden", st.hidden); set("activation", st.activation);
  set("lr", st.lr); set("batch", st.batch_size);
  $("shuffle").checked = st.shuffle;
}

let lastFindings = [];
function showMessage(findings) {
  lastFindings = (findings || []).filter((f) => f.code !== "disconnected");
  if (app.closed) lastFindings = [{ level: "error", code: "disconnected", ...both(app.closed === "busy" ? "too_many_tabs" : "disconnected") }].concat(lastFindings);
  const box = $("message");
  box.replaceChildren();
  for (const f of lastFindings) {
    const p = document.createElement("p");
    p.className = f.level;
    p.textContent = f[LANG] || f.en;
    box.appendChild(p);
  }
}

function setLang(lang) {
  LANG = lang;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  $("play").textContent = t(app.playing ? "pause" : "play");
  render();
  showMessage(lastFindings);
}

// -- controls -------------------------------------------------------------------------------------

function settingsChanged() {
  stopPlaying();
  const int = (id) => (/^\s*-?\d+\s*$/.test($(id).value) ? Number($(id).value) : $(id).value);
  const lrText = ascii($("lr").value).trim();  // (a Chinese input method's "０．０１" is 0.01)
  send({
    type: "settings", seed: int("seed"), hidden: int("hidden"), activation: $("activation").value,
    // a decimal number only: Number() would also read "0x10" as 16 and "" as 0; anything else goes as text, refused
    lr: DECIMAL.test(lrText) && isFinite(Number(lrText)) ? Number(lrText) : $("lr").value, batch_size: int("batch"),
    shuffle: $("shuffle").checked,
  });
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MAX_TARGET = 1000000;

// Full-width digits, signs, dot and comma (a Chinese input method's) as ASCII; the page's number fields do the same.
function ascii(text) {
  return text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/。/g, ".");
}

// The "train up to epoch" field: a whole number from 1 to MAX_TARGET, else null (and a message saying so).
function epochTarget() {
  const text = ascii($("epochs").value).trim(), n = Number(text);  // (1e3 is 1000, as the number field holds it)
  if (DECIMAL.test(text) && Number.isInteger(n) && n >= 1 && n <= MAX_TARGET) return n;
  // (a number field whose text is not a number reports "": the message then shows none)
  showMessage([{ level: "error", ...both("bad_target", { text: $("epochs").value || "?", max: MAX_TARGET }) }]);
  return null;
}

function tick() {
  if (!app.playing || !app.state) return;
  const goal = epochTarget(), speed = Number($("speed").value);
  if (goal === null) { stopPlaying(); return; }
  if (app.state.epoch >= goal) {
    stopPlaying();
    showMessage(app.state.findings.concat([{ level: "info", ...both("reached", { n: goal }) }]));
    return;
  }
  if (speed === 0) send({ type: "step" });
  else send({ type: "epoch", count: Math.max(1, Math.min(speed, goal - app.state.epoch)) });
}

function startPlaying() {
  app.playing = true;
  $("play").textContent = t("pause");
  if (app.pending === 0) tick();
}

function stopPlaying() {
  app.playing = false;
  $("play").textContent = t("play");
}

// -- the points under the mouse -------------------------------------------------------------------

function mouse(event) {
  const r = $("plot").getBoundingClientRect();
  return [event.clientX - r.left, event.clientY - r.top];
}

function pointAt(px, py) {
  const s = app.state, f = app.frame;
  let best = -1, bestD = 9;
  s.points.x.forEach((x, k) => {
    const d = Math.hypot(f.px(x) - px, f.py(s.points.y[k]) - py);
    if (d < bestD) { best = k; bestD = d; }
  });
  return best;
}

// The points are shown as sent at once, and the next edit starts from them, not from the last reply's: quick
// clicks each sent the reply's list plus one point, and 6 clicks added 1 point (helper-68). Replies to earlier
// messages keep them (receive) until the reply to the last points message sent.
function sendPoints(xs, ys) {
  if (!send({ type: "points", x: xs, y: ys })) return;
  app.state.points = { x: xs.slice(), y: ys.slice() };
  app.frame = drawFit($("plot"), app.state, app.view, $("terms").checked, WORDS[LANG]);
  $("plot").dataset.points = String(xs.length);
}

// The points of the last points message not yet answered, else null.
function latestPoints() {
  for (let k = app.sent.length - 1; k >= 0; k--) if (app.sent[k]) return app.sent[k];
  return null;
}

function onPlotDown(event) {
  if (!app.state || app.closed || event.button !== 0) return;
  const [px, py] = mouse(event), k = pointAt(px, py);
  if (k >= 0) { app.dragging = { k, moved: false }; event.preventDefault(); return; }
  if (!app.frame.inside(px, py)) return;
  const p = app.state.points;
  sendPoints(p.x.concat([app.frame.x(px)]), p.y.concat([app.frame.y(py)]));
}

function onPlotMove(event) {
  const d = app.dragging;
  if (!d) return;
  const [px, py] = mouse(event), s = app.state;
  d.x = s.points.x[d.k] = app.frame.x(px);
  d.y = s.points.y[d.k] = app.frame.y(py);
  d.moved = true;
  app.frame = drawFit($("plot"), s, app.view, $("terms").checked, WORDS[LANG]);
}

function onPlotUp() {
  const d = app.dragging;
  app.dragging = null;
  if (d && d.moved) {
    app.held = { k: d.k, x: d.x, y: d.y, replies: app.pending };  // (the replies still to come before this one's)
    sendPoints(app.state.points.x.slice(), app.state.points.y.slice());
  }
}

function removeAt(event) {
  if (!app.state || app.closed) return;
  const [px, py] = mouse(event), k = pointAt(px, py);
  if (k < 0) return;
  event.preventDefault();
  const p = app.state.points;
  sendPoints(p.x.filter((_, j) => j !== k), p.y.filter((_, j) => j !== k));
}

const MAX_CSV = 250 * 1024;  // bytes: the server takes messages up to 256 K characters (2000 points fit easily)
const MAX_MESSAGE = 256 * 1024;  // characters (nnfit/play/messages.py)

function loadCsv(file) {
  if (file.size > MAX_CSV) {
    showMessage([{ level: "error", ...both("csv_large", { name: file.name, kb: Math.ceil(file.size / 1024), max: MAX_CSV / 1024 }) }]);
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    const bytes = new Uint8Array(reader.result);
    let text, gbk = false;
    const bom = (a, b) => bytes.length >= 2 && bytes[0] === a && bytes[1] === b;
    try {
      if (bom(0xff, 0xfe)) text = new TextDecoder("utf-16le").decode(bytes);
      else if (bom(0xfe, 0xff)) text = new TextDecoder("utf-16be").decode(bytes);
      else text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (e) {
      try {  // not UTF-8: what Excel saves on Chinese Windows
        text = new TextDecoder("gbk", { fatal: true }).decode(bytes);
        gbk = true;
      } catch (e2) {
        text = new TextDecoder("utf-8").decode(bytes);
      }
    }
    const message = { type: "csv", name: file.name.slice(0, 200), text };
    if (JSON.stringify(message).length > MAX_MESSAGE - 100) {  // (JSON's escapes lengthen it: "\r\n" is 4 characters)
      // under MAX_CSV bytes, yet too long a message: thousands of lines, where the page takes 2000 points (helper-68: it
      // said "too large (245 KB): at most 250 KB")
      // (its characters, not its lines: blank lines count too, and long numbers; helper-69)
      const chars = JSON.stringify(message).length;
      showMessage([{ level: "error", ...both("csv_long", { name: file.name, chars, max: MAX_MESSAGE - 100 }) }]);
      return;
    }
    app.note = gbk ? { level: "info", until: Date.now() + 8000, ...both("csv_gbk", { name: file.name }) } : null;
    send(message);
  };
  reader.onerror = () => showMessage([{ level: "error", zh: WORDS.zh.csv_read + file.name, en: WORDS.en.csv_read + file.name }]);
  reader.readAsArrayBuffer(file);
}

function wire() {
  for (const id of ["seed", "hidden", "activation", "lr", "batch", "shuffle"]) $(id).addEventListener("change", settingsChanged);
  $("step-sample").onclick = () => { stopPlaying(); send({ type: "step" }); };
  $("step-epoch").onclick = () => { stopPlaying(); send({ type: "epoch", count: 1 }); };
  $("play").onclick = () => (app.playing ? stopPlaying() : startPlaying());
  $("reset").onclick = () => { stopPlaying(); send({ type: "reset" }); };
  $("tutorial-data").onclick = () => send({ type: "tutorial" });
  $("csv").addEventListener("change", (e) => { if (e.target.files[0]) loadCsv(e.target.files[0]); e.target.value = ""; });
  $("terms").addEventListener("change", () => {  // the view makes room for the terms, or gives it back
    if (app.state && !(app.dragging || app.held || latestPoints())) app.view = fitView(app.state, $("terms").checked);
    render();
  });
  $("log").addEventListener("change", render);
  $("lang").addEventListener("change", (e) => setLang(e.target.value));
  const plot = $("plot");
  plot.addEventListener("mousedown", onPlotDown);
  window.addEventListener("mousemove", onPlotMove);
  window.addEventListener("mouseup", onPlotUp);
  plot.addEventListener("contextmenu", removeAt);
  plot.addEventListener("dblclick", removeAt);
  window.addEventListener("resize", render);
}

wire();
setLang($("lang").value);
connect();
document.fonts.load('13px "Noto Sans SC"', "学习").then((faces) => {
  document.body.dataset.font = faces.length ? "loaded" : "missing";  // the served Chinese font
  render();
}, () => { document.body.dataset.font = "missing"; });
