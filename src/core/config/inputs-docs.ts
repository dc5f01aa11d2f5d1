// action.yml's inputs and the README's input tables, rendered from the one table (inputs.ts):
// `npm run inputs` writes them, and a test fails when the committed files differ. Pure.

import { INPUT_GROUPS, INPUTS, type InputSpec } from './inputs.js';

const README_START = '<!-- inputs: generated from src/core/config/inputs.ts by `npm run inputs`; edit them there -->';
const README_END = '<!-- /inputs -->';
const YML_NOTE = '  # generated from src/core/config/inputs.ts by `npm run inputs`; edit them there';

/** A YAML scalar as action.yml writes it: plain where YAML reads it as the same string, else single-quoted. */
function yamlScalar(v: string): string {
  if (v === '') return "''";
  const plain = !/^(?:true|false|yes|no|on|off|null|~|[-+]?[0-9][0-9_.]*)$/i.test(v) && !/: |\s#|:$/.test(v) && !/^[\s[\]{}&*!|>%@`'",#?-]/.test(v) && !/\s$/.test(v);
  return plain ? v : `'${v.replace(/'/g, "''")}'`;
}

function ymlInput(r: InputSpec): string[] {
  const lines = [`  ${r.name}:`, `    description: ${yamlScalar(r.description)}`, '    required: false'];
  if (r.default === undefined) return lines;
  if (!r.default.includes('\n')) return [...lines, `    default: ${yamlScalar(r.default)}`];
  const body = r.default.replace(/\n$/, '').split('\n');
  return [...lines, `    default: ${r.default.endsWith('\n') ? '|' : '|-'}`, ...body.map((l) => (l === '' ? '' : `      ${l}`))];
}

/** The `inputs:` section of action.yml, from its key to the blank line before `outputs:`. */
export function actionYmlInputs(): string {
  const out = ['inputs:', YML_NOTE];
  INPUT_GROUPS.forEach((g, i) => {
    if (i > 0) out.push('');
    out.push(`  # ${g.yml}`);
    for (const r of INPUTS.filter((x) => x.group === g.id)) out.push(...ymlInput(r));
  });
  return `${out.join('\n')}\n`;
}

function readmeDefault(r: InputSpec): string {
  if (r.readmeDefault !== undefined) return r.readmeDefault;
  return r.default ? `\`${r.default.replace(/\|/g, '\\|')}\`` : '';
}

/** The README's input tables, one a group, between their markers. */
export function readmeInputTables(): string {
  const out = [README_START];
  for (const [i, g] of INPUT_GROUPS.entries()) {
    if (i > 0) out.push('');
    out.push(`### ${g.heading}`, '| input | default | meaning |', '|---|---|---|');
    for (const r of INPUTS.filter((x) => x.group === g.id)) out.push(`| \`${r.name}\` | ${readmeDefault(r)} | ${r.readme} |`.replace('|  |', '| |'));
  }
  out.push('', README_END);
  return out.join('\n');
}

/** action.yml with its inputs section rendered from the table. */
export function withGeneratedYml(text: string): string {
  const start = text.indexOf('\ninputs:\n');
  const end = text.indexOf('\noutputs:\n');
  if (start === -1 || end === -1 || end < start) throw new Error('action.yml: no inputs: section followed by outputs:');
  return `${text.slice(0, start + 1)}${actionYmlInputs()}${text.slice(end)}`;
}

/** The README with its input tables rendered from the table (between the markers). */
export function withGeneratedReadme(text: string): string {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start === -1 || end === -1 || end < start) throw new Error(`README.md: no ${README_START} … ${README_END} markers`);
  return `${text.slice(0, start)}${readmeInputTables()}${text.slice(end + README_END.length)}`;
}
