import type { Sharp } from "sharp";

export interface Dimensions {
  width: number;
  height: number;
}

/**
 * The size an image gets so its long side is at most `maxEdgePx`, keeping the aspect ratio;
 * `undefined` when it already fits (it is then sent as it is, never upscaled). Pure.
 */
export function fitWithin(size: Dimensions, maxEdgePx: number): Dimensions | undefined {
  const longest = Math.max(size.width, size.height);
  if (longest <= maxEdgePx) return undefined;
  const scale = maxEdgePx / longest;
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

export interface FittedImage {
  data: Uint8Array;
  mimeType: string;
  /** The image was scaled down. */
  resized: boolean;
}

let loading: Promise<(input: Uint8Array) => Sharp> | undefined;

/** sharp and its native libvips load on the first image only (STYLE §2.9). */
function loadSharp(): Promise<(input: Uint8Array) => Sharp> {
  loading ??= import("sharp").then((m) => (input: Uint8Array) => m.default(input, { failOn: "error" }));
  return loading;
}

/**
 * Scales an image down so its long side is at most `maxEdgePx` (MED-3: 2048 px for outbound
 * images; `agents.defaults.imageMaxDimensionPx` for images given to the model), in its own
 * format; animated GIFs are left alone (one frame would lose the animation). An image that fits
 * is returned unchanged. Throws when the bytes are not a readable image.
 */
export async function fitImage(data: Uint8Array, mimeType: string, maxEdgePx: number): Promise<FittedImage> {
  const sharp = await loadSharp();
  const meta = await sharp(data).metadata();
  // EXIF orientations 5–8 swap the sides as people see them.
  const rotated = (meta.orientation ?? 1) >= 5;
  const size = { width: meta.width, height: meta.height };
  const target = fitWithin(rotated ? { width: size.height, height: size.width } : size, maxEdgePx);
  if (!target || (meta.pages ?? 1) > 1) return { data, mimeType, resized: false };
  let pipeline = sharp(data).rotate().resize({ width: target.width, height: target.height, fit: "inside" });
  let outType = mimeType;
  if (mimeType === "image/png") pipeline = pipeline.png();
  else if (mimeType === "image/webp") pipeline = pipeline.webp();
  else {
    pipeline = pipeline.jpeg({ quality: 85 });
    outType = "image/jpeg";
  }
  return { data: new Uint8Array(await pipeline.toBuffer()), mimeType: outType, resized: true };
}
