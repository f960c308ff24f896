// A small PNG decoder for the Worker: 8-bit grayscale, gray+alpha, RGB or RGBA, not interlaced.
// The image data is inflated with the platform's DecompressionStream("deflate") (zlib format,
// whose Adler-32 check catches corrupt data); chunk CRCs are not checked.
export class PngError extends Error {}

export interface GrayImage {
  width: number;
  height: number;
  /** One byte per pixel: luminance, composited over black when the PNG has alpha. */
  gray: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** Decodes a PNG of exactly `width`×`height` pixels (checked before inflating anything). */
export async function decodePng(bytes: Uint8Array, width: number, height: number): Promise<GrayImage> {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new PngError("not a PNG (bad signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let channels = 0, ended = false;
  for (let at = 8; !ended;) {
    if (at + 12 > bytes.length) throw new PngError("truncated PNG (no IEND chunk)");
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) throw new PngError(`truncated PNG (chunk ${type} runs past the end)`);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (at === 8 && type !== "IHDR") throw new PngError("PNG does not start with IHDR");
    if (type === "IHDR") {
      if (length !== 13) throw new PngError("bad IHDR chunk");
      const w = view.getUint32(at + 8), h = view.getUint32(at + 12);
      const [depth, color, , , interlace] = data.subarray(8);
      if (w !== width || h !== height) throw new PngError(`PNG is ${w}×${h}; expected ${width}×${height}`);
      if (depth !== 8) throw new PngError(`PNG bit depth ${depth} is not supported (use 8)`);
      channels = CHANNELS[color] ?? 0;
      if (!channels) throw new PngError(`PNG color type ${color} is not supported (use grayscale, RGB or RGBA)`);
      if (interlace !== 0) throw new PngError("interlaced PNGs are not supported");
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") ended = true;
    at += 12 + length;
  }
  if (!channels) throw new PngError("PNG has no IHDR chunk");
  if (idat.length === 0) throw new PngError("PNG has no image data (IDAT)");
  const stride = width * channels;
  const raw = await inflate(idat, height * (stride + 1));
  unfilter(raw, height, stride, channels);
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * (stride + 1) + 1 + x * channels;
      const v = channels >= 3 ? Math.round((299 * raw[p] + 587 * raw[p + 1] + 114 * raw[p + 2]) / 1000) : raw[p];
      const alpha = channels === 2 ? raw[p + 1] : channels === 4 ? raw[p + 3] : 255;
      gray[y * width + x] = alpha === 255 ? v : Math.round((v * alpha) / 255);
    }
  }
  return { width, height, gray };
}

/** Inflates the zlib stream; the result must be exactly `size` bytes (never reads more than size + 1). */
async function inflate(parts: Uint8Array[], size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size + 1);
  let n = 0;
  const reader = new Blob(parts as BlobPart[]).stream().pipeThrough(new DecompressionStream("deflate")).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.length > size) throw new PngError(`PNG image data inflates to more than the ${size} bytes of a valid image`);
      out.set(value, n);
      n += value.length;
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    if (e instanceof PngError) throw e;
    throw new PngError(`PNG image data is corrupt (${(e as Error).message})`);
  }
  if (n !== size) throw new PngError(`PNG image data inflates to ${n} bytes; expected ${size}`);
  return out.subarray(0, size);
}

/** Undoes the per-row filters in place (each row: a filter byte, then `stride` bytes). */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1, up = row - stride - 1, filter = raw[row - 1];
    if (filter > 4) throw new PngError(`PNG row ${y} has unknown filter ${filter}`);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? raw[row + i - bpp] : 0;
      const b = y > 0 ? raw[up + i] : 0;
      const c = y > 0 && i >= bpp ? raw[up + i - bpp] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      raw[row + i] = (raw[row + i] + pred) & 255;
    }
  }
}
