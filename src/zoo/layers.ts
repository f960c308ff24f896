// Layer helpers shared by the zoo builders: weights initialised from one seeded stream.
import { GraphBuilder } from "../ir/build.js";
import { ACT_CODE } from "../ir/ops.js";
import { heUniform, rng } from "./init.js";

export class ZooBuilder extends GraphBuilder {
  private readonly r: ReturnType<typeof rng>;
  constructor(seed: number) {
    super();
    this.r = rng(seed);
  }

  /** Fully connected layer, W [out, in], zero bias, optional fused Relu. */
  dense(x: string, name: string, out: number, relu: boolean): string {
    const k = this.shape(x)[1];
    const w = this.constant(`${name}.weight`, [out, k], heUniform(this.r, out * k, k));
    const b = this.constant(`${name}.bias`, [out], new Float32Array(out));
    return this.node("Gemm", [x, w, b], { act: relu ? ACT_CODE.Relu : ACT_CODE.none }, { name, out: name });
  }

  /** Square conv k×k, stride s, symmetric pad p, group g, fused Relu. */
  conv(x: string, name: string, out: number, k: number, o: { s?: number; p?: number; g?: number; relu?: boolean } = {}): string {
    const c = this.shape(x)[1], g = o.g ?? 1, s = o.s ?? 1, p = o.p ?? 0, fanIn = (c / g) * k * k;
    const w = this.constant(`${name}.weight`, [out, c / g, k, k], heUniform(this.r, out * fanIn, fanIn));
    const b = this.constant(`${name}.bias`, [out], new Float32Array(out));
    return this.node("Conv", [x, w, b], {
      group: g, kh: k, kw: k, sh: s, sw: s, padTop: p, padLeft: p, padBottom: p, padRight: p,
      act: o.relu === false ? ACT_CODE.none : ACT_CODE.Relu,
    }, { name, out: name });
  }

  /** BatchNormalization over channels: γ = 1, β = 0, running mean 0, var 1 (Keras defaults). */
  batchNorm(x: string, name: string, o: { epsilon?: number; momentum?: number } = {}): string {
    const c = this.shape(x)[1];
    const stats = ([["weight", 1], ["bias", 0], ["running_mean", 0], ["running_var", 1]] as const)
      .map(([k, v]) => this.constant(`${name}.${k}`, [c], new Float32Array(c).fill(v)));
    return this.node("BatchNormalization", [x, ...stats],
      { epsilon: o.epsilon ?? 1e-5, momentum: o.momentum ?? 0.1 }, { name, out: name });
  }

  /** Inverted dropout of `ratio` while training; its mask RNG seed comes from the zoo stream. */
  dropout(x: string, name: string, ratio: number): string {
    return this.node("Dropout", [x], { ratio, seed: Math.floor(this.r(0, 2 ** 31)) }, { name, out: name });
  }

  relu(x: string, name: string): string {
    return this.node("Relu", [x], {}, { name, out: name });
  }

  maxpool2(x: string, name: string): string {
    return this.node("MaxPool", [x], { kh: 2, kw: 2, sh: 2, sw: 2 }, { name, out: name });
  }

  flatten(x: string, name: string): string {
    const s = this.shape(x);
    return this.node("Reshape", [x], { shape: [s[0], s.slice(1).reduce((a, b) => a * b, 1)] }, { name, out: name });
  }
}
