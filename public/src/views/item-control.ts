import type { RawItem } from '../form-model';

/**
 * The types the form's widgets share (field-widgets.ts builds the fields, file-control.ts the file
 * picker), kept here so neither imports the other.
 */

/** A single value control (no label of its own: the field or the array item provides it). */
export interface ItemControl {
  element: HTMLElement;
  controlId: string;
  read(): RawItem | null;
  formValue(): string | File | null;
  setDisabled(disabled: boolean): void;
}

/** A file the user can pick by id: an earlier upload or another job's output. */
export interface KnownFile {
  id: string;
  label: string;
}
