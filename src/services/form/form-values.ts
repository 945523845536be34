import type { ScalarValue } from './convert-scalar';

/**
 * The values a form produces, in a module of their own so that the form and the helpers it calls
 * (option-like.ts, job-inputs.ts) can share them without importing each other.
 */

/** A file part of a submission, already streamed to a temporary file. */
export interface SubmittedFile {
  tempPath: string;
  size: number;
  /** The written bytes of a small part, kept for validation; absent when streamed to disk. */
  content?: Buffer;
  /** SHA-256 (hex) of the part, computed while it streamed in; set once the part is complete. */
  sha256?: string;
  /** The part's filename ('' when sent empty) and declared type, as slivka keeps them. */
  filename?: string;
  mediaType?: string;
}

export interface FileValue {
  kind: 'file';
  path: string;
  /** null for a file uploaded with this submission, until it is saved. */
  id: string | null;
  upload: SubmittedFile | null;
}

export type Single = ScalarValue | FileValue;
export type CleanValue = Single | Single[] | null;
export type CleanValues = Record<string, CleanValue>;
