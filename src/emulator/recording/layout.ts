// The composite (mix) video layout: set by start's transcodingConfig and replaced whole by
// updateLayout (cloud-recording.en.yaml: "Each call to this endpoint overwrites all previous
// layout settings", so an omitted backgroundColor reverts to "#000000").
import { isObject } from '../json.ts';
import { isUidString } from './validate.ts';

export interface LayoutRegion {
  uid?: string;
  x_axis: number;
  y_axis: number;
  width: number;
  height: number;
  alpha: number;
  render_mode: number;
}

export interface Layout {
  mixedVideoLayout: number;
  backgroundColor: string;
  maxResolutionUid?: string;
  backgroundImage?: string;
  defaultUserBackgroundImage?: string;
  layoutConfig?: LayoutRegion[];
  backgroundConfig?: { uid: string; image_url: string; render_mode: number }[];
}

export const DEFAULT_LAYOUT: Readonly<Layout> = Object.freeze({ mixedVideoLayout: 0, backgroundColor: '#000000' });

type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };
const problem = (text: string): { ok: false; problem: string } => ({ ok: false, problem: text });

const unit = (value: unknown): value is number => typeof value === 'number' && value >= 0 && value <= 1;

function checkRegion(value: unknown, path: string): Checked<LayoutRegion> {
  if (!isObject(value)) return problem(`${path} must be an object`);
  const { uid, x_axis, y_axis, width, height } = value;
  const alpha = value.alpha ?? 1;
  const renderMode = value.render_mode ?? 0;
  if (!unit(x_axis) || !unit(y_axis) || !unit(width) || !unit(height)) {
    return problem(`${path}: x_axis, y_axis, width and height are required numbers from 0 to 1`);
  }
  if (!unit(alpha)) return problem(`${path}.alpha must be from 0 to 1`);
  if (renderMode !== 0 && renderMode !== 1) return problem(`${path}.render_mode must be 0 or 1`);
  if (uid !== undefined && !isUidString(uid)) return problem(`${path}.uid must be a UID string`);
  return { ok: true, value: { ...(uid === undefined ? {} : { uid }), x_axis, y_axis, width, height, alpha, render_mode: renderMode } };
}

/** The layout fields of a transcodingConfig or an updateLayout clientRequest. */
export function checkLayout(source: Record<string, unknown>, path: string): Checked<Layout> {
  const layout: Layout = { ...DEFAULT_LAYOUT };
  const mode = source.mixedVideoLayout;
  if (mode !== undefined) {
    if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3) return problem(`${path}.mixedVideoLayout must be 0, 1, 2 or 3`);
    layout.mixedVideoLayout = mode;
  }
  const color = source.backgroundColor;
  if (color !== undefined) {
    if (typeof color !== 'string' || !/^#[0-9A-Fa-f]{6}$/.test(color)) return problem(`${path}.backgroundColor must be an RGB hex string like "#FF0000"`);
    layout.backgroundColor = color;
  }
  const maxUid = source.maxResolutionUid;
  if (maxUid !== undefined) {
    if (!isUidString(maxUid)) return problem(`${path}.maxResolutionUid must be a UID string`);
    layout.maxResolutionUid = maxUid;
  }
  // The vertical layout puts maxResolutionUid in the large window; without it there is none.
  if (layout.mixedVideoLayout === 2 && layout.maxResolutionUid === undefined) {
    return problem(`${path}.maxResolutionUid is required when mixedVideoLayout is 2`);
  }
  for (const key of ['backgroundImage', 'defaultUserBackgroundImage'] as const) {
    const url = source[key];
    if (url === undefined) continue;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return problem(`${path}.${key} must be an http(s) URL`);
    layout[key] = url;
  }
  const regions = source.layoutConfig;
  if (regions !== undefined) {
    if (!Array.isArray(regions) || regions.length > 17) return problem(`${path}.layoutConfig must be an array of at most 17 regions`);
    const checked: LayoutRegion[] = [];
    for (const [i, region] of regions.entries()) {
      const result = checkRegion(region, `${path}.layoutConfig[${i}]`);
      if (!result.ok) return result;
      checked.push(result.value);
    }
    layout.layoutConfig = checked;
  }
  const backgrounds = source.backgroundConfig;
  if (backgrounds !== undefined) {
    if (!Array.isArray(backgrounds)) return problem(`${path}.backgroundConfig must be an array`);
    const checked: NonNullable<Layout['backgroundConfig']> = [];
    for (const [i, entry] of backgrounds.entries()) {
      const renderMode = isObject(entry) ? (entry.render_mode ?? 0) : undefined;
      if (!isObject(entry) || !isUidString(entry.uid) || typeof entry.image_url !== 'string' || (renderMode !== 0 && renderMode !== 1)) {
        return problem(`${path}.backgroundConfig[${i}] needs uid, image_url and render_mode 0 or 1`);
      }
      checked.push({ uid: entry.uid, image_url: entry.image_url, render_mode: renderMode });
    }
    layout.backgroundConfig = checked;
  }
  return { ok: true, value: layout };
}

/** transcodingConfig of a mix recording: the canvas plus its layout. */
export function checkTranscoding(value: unknown, path: string): Checked<Layout> {
  if (!isObject(value)) return problem(`${path} must be an object`);
  const width = value.width ?? 360;
  const height = value.height ?? 640;
  const fps = value.fps ?? 15;
  const bitrate = value.bitrate ?? 500;
  const positive = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (!positive(width) || !positive(height)) return problem(`${path}: width and height must be positive integers`);
  if (width * height > 1920 * 1080) return problem(`${path}: width × height cannot exceed 1920 × 1080`);
  if (!positive(fps) || !positive(bitrate)) return problem(`${path}: fps and bitrate must be positive integers`);
  return checkLayout(value, path);
}
