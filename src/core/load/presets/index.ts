import { InputError } from '../../errors.js';
import type { PresetName } from '../../types.js';
import { generic } from './generic.js';
import { openai } from './openai.js';
import { ragflow } from './ragflow.js';
import type { Preset } from './types.js';

// One file a preset: a new API is one new file and one line here.
const PRESETS: Partial<Record<PresetName, Preset>> = { generic, openai, ragflow };
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function getPreset(name: string, input = 'preset'): Preset {
  const p = Object.hasOwn(PRESETS, name) ? (PRESETS as Record<string, Preset | undefined>)[name] : undefined;
  if (!p) throw new InputError(input, `unknown preset "${name}" (known: ${PRESET_NAMES.join(', ')})`);
  return p;
}
