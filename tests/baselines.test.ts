// The committed trained baselines (data/models/, made by the commands in data/models/README.md)
// meet the targets on the full MNIST test set, measured in the deployed runtime:
// LeNet-300-100 ≤ 1.7 % error, LeNet-5 ≤ 0.9 % error (Deep Compression's baselines: 1.64 %, 0.80 %).
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { loadImageSet } from "../src/data/mnist.js";
import { importOnnx } from "../src/import/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { Model } from "../src/runtime/model.js";

const testSet = loadImageSet("mnist", "test");

async function testError(file: string): Promise<number> {
  const model = await Model.load(writeSlim(importOnnx(readFileSync(file))));
  const input = model.inputs[0], per = testSet.images.length / testSet.n, batch = 100;
  let wrong = 0;
  for (let i = 0; i < testSet.n; i += batch) {
    const x = testSet.images.subarray(i * per, (i + batch) * per);
    const logits = model.run({ [input.name]: { data: x, shape: [batch, ...input.shape.slice(1)] } })[model.outputs[0].name].data;
    for (let b = 0; b < batch; b++) {
      const row = logits.subarray(b * 10, b * 10 + 10);
      if (row.indexOf(Math.max(...row)) !== testSet.labels[i + b]) wrong++;
    }
  }
  return wrong / testSet.n;
}

test("LeNet-300-100 baseline: ≤ 1.7 % test error", async () => {
  const e = await testError("data/models/lenet300.onnx");
  console.log(`lenet300 test error ${(100 * e).toFixed(2)} %`);
  assert.ok(e <= 0.017, `test error ${(100 * e).toFixed(2)} %`);
});

test("LeNet-5 baseline: ≤ 0.9 % test error", async () => {
  const e = await testError("data/models/lenet5.onnx");
  console.log(`lenet5 test error ${(100 * e).toFixed(2)} %`);
  assert.ok(e <= 0.009, `test error ${(100 * e).toFixed(2)} %`);
});
