// MNIST-style preprocessing of a drawing, as LeCun et al. did for MNIST itself:
//   1. crop to the bounding box of the ink,
//   2. scale it (aspect ratio kept) so its longer side is 20 px, area-averaging the source
//      pixels (anti-aliased, like MNIST's grey levels),
//   3. paste it into a 28×28 image so that its centre of mass lands on pixel (14, 14), rounded
//      to whole pixels and kept inside the image.
// Pure arithmetic on a Float32Array of ink in [0, 1] (1 = ink, the MNIST convention): the same
// function runs in the page and in the Node test, which checks the page's 28×28 against it.
// A plain script (no exports) so a `<script src>` tag can load it; it sets
// `globalThis.mnistPreprocess`.
(function (root) {
  "use strict";

  var SIZE = 28;
  var BOX = 20;
  var THRESHOLD = 0.05; // ink below this does not count for the bounding box

  /** Bounding box of the ink: { x, y, w, h } in source pixels, or null when there is none. */
  function inkBox(ink, width, height) {
    var x0 = width, y0 = height, x1 = -1, y1 = -1;
    for (var y = 0; y < height; y++) {
      for (var x = 0; x < width; x++) {
        if (ink[y * width + x] > THRESHOLD) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
  }

  /** Area-average resampling of the box of `ink` into tw × th pixels. */
  function resample(ink, width, height, box, tw, th) {
    var out = new Float32Array(tw * th);
    var sx = box.w / tw, sy = box.h / th; // source pixels per target pixel
    for (var j = 0; j < th; j++) {
      var ya = box.y + j * sy, yb = ya + sy;
      for (var i = 0; i < tw; i++) {
        var xa = box.x + i * sx, xb = xa + sx;
        var sum = 0;
        for (var y = Math.floor(ya); y < yb && y < height; y++) {
          var wy = Math.min(yb, y + 1) - Math.max(ya, y);
          if (wy <= 0) continue;
          for (var x = Math.floor(xa); x < xb && x < width; x++) {
            var wx = Math.min(xb, x + 1) - Math.max(xa, x);
            if (wx > 0) sum += wx * wy * ink[y * width + x];
          }
        }
        out[j * tw + i] = sum / (sx * sy);
      }
    }
    return out;
  }

  /**
   * ink: Float32Array(width × height), 1 = ink. Returns { pixels: Float32Array(784) in [0, 1],
   * box } or null when nothing is drawn.
   */
  function toMnist(ink, width, height) {
    var box = inkBox(ink, width, height);
    if (!box) return null;
    var scale = BOX / Math.max(box.w, box.h);
    var tw = Math.max(1, Math.round(box.w * scale));
    var th = Math.max(1, Math.round(box.h * scale));
    var patch = resample(ink, width, height, box, tw, th);
    var mass = 0, mx = 0, my = 0;
    for (var j = 0; j < th; j++) {
      for (var i = 0; i < tw; i++) {
        var v = patch[j * tw + i];
        mass += v;
        mx += v * (i + 0.5);
        my += v * (j + 0.5);
      }
    }
    if (mass === 0) return null;
    var clamp = function (v, hi) { return Math.min(Math.max(v, 0), hi); };
    var ox = clamp(Math.round(SIZE / 2 - mx / mass), SIZE - tw);
    var oy = clamp(Math.round(SIZE / 2 - my / mass), SIZE - th);
    var pixels = new Float32Array(SIZE * SIZE);
    for (var y = 0; y < th; y++) {
      for (var x = 0; x < tw; x++) pixels[(y + oy) * SIZE + x + ox] = Math.min(1, patch[y * tw + x]);
    }
    return { pixels: pixels, box: box };
  }

  /** Softmax of logits (max-shifted), as plain numbers. */
  function softmax(logits) {
    var max = -Infinity, i;
    for (i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
    var exps = [], sum = 0;
    for (i = 0; i < logits.length; i++) {
      exps.push(Math.exp(logits[i] - max));
      sum += exps[i];
    }
    return exps.map(function (e) { return e / sum; });
  }

  root.mnistPreprocess = { toMnist: toMnist, softmax: softmax, SIZE: SIZE, BOX: BOX };
})(typeof globalThis !== "undefined" ? globalThis : this);
