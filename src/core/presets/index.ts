import { InputError } from '../errors.js';
import type { PresetName } from '../types.js';
import { generic } from './generic.js';
import type { Preset } from './types.js';

// One file a preset: a new API is one new file and one line here.
const PRESETS: Partial<Record<PresetName, Preset>> = { generic };
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function getPreset(name: string, input = 'preset'): Preset {
  const p = (PRESETS as Record<string, Preset | undefined>)[name];
  if (!p) throw new InputError(input, `unknown preset "${name}" (known: ${PRESET_NAMES.join(', ')})`);
  return p;
}
