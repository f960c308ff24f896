// The drawing pad: pointer strokes on a 280×280 canvas → MNIST-style 28×28 (preprocess.js) →
// slimnet Model.run → class, softmax bars, exit and latency. No framework; `slimnet` is the
// global the IIFE build defines. `?model=other.slim` loads another model beside the page.
(function () {
  "use strict";

  var MODEL_URL = new URLSearchParams(location.search).get("model") || "lenet5.slim";
  var PAD = 280; // CSS pixels
  var STROKE = 20; // CSS pixels: ~2 px at 28×28 for a digit that fills the pad, like MNIST

  var $ = function (id) { return document.getElementById(id); };
  var pad = $("pad"), input28 = $("input28"), status = $("status");
  var model = null, inputName = "", outputName = "";
  var strokes = 0, drawing = false, last = null, queued = false;

  // Backing store at the device's pixel ratio, drawing in CSS pixels.
  var dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
  pad.width = pad.height = PAD * dpr;
  var ctx = pad.getContext("2d", { willReadFrequently: true });
  ctx.scale(dpr, dpr);
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.lineWidth = STROKE;
  ctx.strokeStyle = ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue("--ink").trim() || "#1f2a44";

  // Ten bars, 0–9.
  var bars = [];
  for (var d = 0; d < 10; d++) {
    var li = document.createElement("li");
    li.innerHTML = '<span class="k">' + d + '</span><span class="track"><span class="fill"></span></span><span class="pct">–</span>';
    $("bars").appendChild(li);
    bars.push({ li: li, fill: li.querySelector(".fill"), pct: li.querySelector(".pct") });
  }

  function setStatus(text, error) {
    status.textContent = text;
    status.className = error ? "status error" : "status";
  }

  var point = function (e) {
    var r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * (PAD / r.width), y: (e.clientY - r.top) * (PAD / r.height) };
  };

  function dot(p) {
    ctx.beginPath();
    ctx.arc(p.x, p.y, STROKE / 2, 0, Math.PI * 2);
    ctx.fill();
  }

  function segment(a, b) {
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }

  pad.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    drawing = true;
    last = point(e);
    dot(last);
    schedule();
  });
  pad.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    if (events.length === 0) events = [e];
    for (var i = 0; i < events.length; i++) {
      var p = point(events[i]);
      segment(last, p);
      last = p;
    }
    schedule();
  });
  var end = function () {
    if (!drawing) return;
    drawing = false;
    strokes++;
    predict(); // at once, so the result of a finished stroke is there when pointerup returns
  };
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);

  $("clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, PAD, PAD);
    strokes = 0;
    window.__slimnetLast = null;
    show(null);
  });

  // While drawing, predict at most once per frame.
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () {
      queued = false;
      predict();
    });
  }

  /** Ink in [0, 1] from the canvas alpha (strokes are drawn on a transparent canvas). */
  function readInk() {
    var w = pad.width, h = pad.height;
    var rgba = ctx.getImageData(0, 0, w, h).data;
    var ink = new Float32Array(w * h);
    for (var i = 0; i < ink.length; i++) ink[i] = rgba[i * 4 + 3] / 255;
    return ink;
  }

  /** Which exit fired: the run result's `exit` if the runtime reports one, else "final". */
  function exitOf(result) {
    var e = result.exit;
    if (e === undefined || e === null) return "final";
    if (typeof e === "string" || typeof e === "number") return String(e);
    if (e.data && e.data.length) return String(e.data[0]);
    return "final";
  }

  function predict() {
    if (!model) return;
    var prep = mnistPreprocess.toMnist(readInk(), pad.width, pad.height);
    if (!prep) return show(null);
    var feeds = {};
    feeds[inputName] = prep.pixels;
    var t0 = performance.now();
    var result = model.run(feeds);
    var ms = performance.now() - t0;
    var logits = result[outputName].data;
    var probabilities = mnistPreprocess.softmax(logits);
    var best = 0;
    for (var k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
    var out = {
      strokes: strokes,
      input: Array.from(prep.pixels),
      logits: Array.from(logits),
      probabilities: probabilities,
      class: best,
      exit: exitOf(result),
      ms: ms,
      backend: model.backend,
    };
    window.__slimnetLast = out; // debug hook, read by tests/e2e-browser.test.ts
    show(out, prep.pixels);
  }

  function show(r, pixels) {
    $("digit").textContent = r ? String(r.class) : "–";
    $("confidence").textContent = r ? (r.probabilities[r.class] * 100).toFixed(1) + " %" : "–";
    $("exit").textContent = r ? r.exit : "–";
    $("latency").textContent = r ? r.ms.toFixed(1) + " ms" : "–";
    for (var d = 0; d < 10; d++) {
      var p = r ? r.probabilities[d] : 0;
      bars[d].fill.style.width = (p * 100).toFixed(2) + "%";
      bars[d].pct.textContent = r ? (p * 100).toFixed(1) + "%" : "–";
      bars[d].li.className = r && d === r.class ? "top" : "";
    }
    var c = input28.getContext("2d");
    var img = c.createImageData(28, 28);
    for (var i = 0; i < 784; i++) {
      var v = pixels ? Math.round(pixels[i] * 255) : 0;
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = v;
      img.data[i * 4 + 3] = 255;
    }
    c.putImageData(img, 0, 0);
  }

  // Debug hook for tests: the raw ink the last prediction was made from.
  window.__slimnetInk = function () {
    return { width: pad.width, height: pad.height, ink: Array.from(readInk()) };
  };

  if (typeof slimnet === "undefined") {
    setStatus("slimnet.iife.js did not load: copy dist/slimnet.iife.js beside this page (npm run build)", true);
    return;
  }
  var t0 = performance.now();
  slimnet.Model.load(MODEL_URL).then(function (m) {
    model = m;
    inputName = m.inputs[0].name;
    outputName = (m.outputs.find(function (o) { return o.name === "logits"; }) || m.outputs[0]).name;
    var ms = performance.now() - t0;
    setStatus("ready · " + MODEL_URL + " · " + m.backend + " runtime · loaded in " + ms.toFixed(0) + " ms");
    var shape = m.inputs[0].shape.map(function (d) { return d < 0 ? "N" : d; }).join("×");
    $("about").textContent = MODEL_URL + ": input \u201c" + inputName + "\u201d [" + shape + "], " +
      (m.macs / 1e6).toFixed(2) + " M multiply-adds per digit. Preprocessing as MNIST: the ink's bounding box " +
      "scaled into 20×20, centred by its centre of mass in 28×28.";
    window.__slimnetReady = true;
    predict();
  }).catch(function (e) {
    setStatus("cannot load " + MODEL_URL + ": " + e.message +
      " (make it with: npx slimnet convert data/models/lenet5.onnx -o examples/browser/lenet5.slim)", true);
    window.__slimnetError = String(e && e.message || e);
  });
})();
