// Pass/fail criteria: the parser (text → Criterion) and the evaluator (Criterion × stages → results).
export { CriteriaError, DEFAULT_CRITERIA, parseCriteria, parseCriteriaInput } from './parse.js';
export { criteriaPassed, criterionOf, evaluateCriteria, type EvaluateOptions } from './evaluate.js';
