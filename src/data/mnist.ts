// `--data mnist` (the copy in the repository's data/mnist) or `--data DIR`, a folder holding the
// four IDX files under MNIST's names, raw or gzipped — Fashion-MNIST or any IDX set works alike.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError, ShapeError } from "../runtime/errors.js";
import { readIdx } from "./idx.js";

export interface ImageSet {
  /** Pixels scaled to [0,1], sample after sample. */
  images: Float32Array;
  labels: Uint8Array;
  n: number;
  /** Shape of one sample: [1, rows, cols]. */
  sample: number[];
  /** Where the images came from, for messages. */
  source: string;
}

export type Split = "train" | "test";

const PREFIX: Record<Split, string> = { train: "train", test: "t10k" };

/** data/mnist from src/data/ (tsx) or from dist/ (bundled CLI). */
function bundledMnist(): string {
  const candidates = ["../../data/mnist", "../data/mnist"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new InputError(`--data mnist: the MNIST folder is missing (looked in ${candidates.join(" and ")})`);
  return found;
}

export function resolveDataDir(spec: string): string {
  if (spec === "mnist") return bundledMnist();
  if (!existsSync(spec)) throw new InputError(`--data ${spec}: no such folder (use "mnist" or a folder of IDX files)`);
  return spec;
}

function idxFile(dir: string, base: string): string {
  const names = [`${base}.gz`, base, `${base.replace(/-(idx\d)/, ".$1")}`];
  const found = names.map((n) => join(dir, n)).find((p) => existsSync(p));
  if (!found) throw new InputError(`${dir}: missing ${base}.gz (or ${base}); expected MNIST's four IDX file names`);
  return found;
}

/** Loads one split of an MNIST-like data set. */
export function loadImageSet(spec: string, split: Split = "test"): ImageSet {
  const dir = resolveDataDir(spec);
  const imagesPath = idxFile(dir, `${PREFIX[split]}-images-idx3-ubyte`);
  const labelsPath = idxFile(dir, `${PREFIX[split]}-labels-idx1-ubyte`);
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.dims.length !== 3 || !(images.data instanceof Uint8Array)) {
    throw new ShapeError(`${imagesPath}: expected u8 images [N,rows,cols], got rank ${images.dims.length}`);
  }
  if (labels.dims.length !== 1 || !(labels.data instanceof Uint8Array)) {
    throw new ShapeError(`${labelsPath}: expected u8 labels [N], got rank ${labels.dims.length}`);
  }
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) throw new ShapeError(`${labelsPath}: ${labels.dims[0]} labels for ${n} images in ${imagesPath}`);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  return { images: pixels, labels: labels.data, n, sample: [1, rows, cols], source: imagesPath };
}

/**
 * Checks that one sample fits a model input of `shape` (dim 0 = batch, e.g. [-1,1,28,28] or
 * [1,784]): the layout of an image is the same whether the model flattens it or not.
 */
export function checkSampleFits(set: ImageSet, shape: readonly number[], inputName: string): void {
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  const have = set.sample.reduce((a, b) => a * b, 1);
  if (per !== have) {
    throw new ShapeError(`input "${inputName}" [${shape.join(",")}] takes ${per} values per sample; ` +
      `${set.source} has ${have} ([${set.sample.join(",")}])`);
  }
}
