// What the markdown report is rendered with besides the Report: the comment's tag and links, and its
// length limit.

/** GitHub rejects issue comments longer than this (characters). */
export const COMMENT_LIMIT = 65_536;

/** Longest server message shown in an error sample or diagnosis (characters, before escaping). */
export const MESSAGE_MAX = 300;

export interface MarkdownContext {
  /** `comment-tag`: adds the hidden marker `<!-- ttfc-gate:TAG -->` (first line) and names a non-default tag. */
  tag?: string | null;
  /** Link to the workflow run. */
  runUrl?: string | null;
  /** The commit under test (full SHA); defaults to report.target.commit. */
  commit?: string | null;
  /** Link to the commit. */
  commitUrl?: string | null;
  /** Whether a missed criterion fails the check; defaults to report.config.failOnCriteria (true). */
  failOnCriteria?: boolean;
  /** Where the JSON report was written (shown in the footer). */
  reportPath?: string | null;
  /** Maximum length of the document (default COMMENT_LIMIT). */
  limit?: number;
}
