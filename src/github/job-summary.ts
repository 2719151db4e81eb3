/**
 * The job summary (`$GITHUB_STEP_SUMMARY`): the full plan of every environment, appended per step. GitHub refuses a
 * step summary over 1 MiB, so the text is fitted to that in bytes (the plan body elides diffs the same way the
 * comment does, with a far larger budget).
 */
import { appendFileSync, statSync } from 'node:fs';

/** GitHub's limit for one step's summary, in bytes. */
export const JOB_SUMMARY_LIMIT = 1024 * 1024;

/** Bytes of a string in UTF-8. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The room left in the summary file (the limit minus what earlier writes of this step put there). */
export function summaryRoom(file: string | undefined): number {
  if (!file) return JOB_SUMMARY_LIMIT;
  try {
    return Math.max(0, JOB_SUMMARY_LIMIT - statSync(file).size);
  } catch {
    return JOB_SUMMARY_LIMIT;
  }
}

/**
 * Appends markdown to the step summary file. Returns false (and writes nothing) when there is no summary file
 * (outside Actions) or the text does not fit the remaining room.
 */
export function appendJobSummary(file: string | undefined, markdown: string): boolean {
  if (!file) return false;
  const text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  if (utf8Bytes(text) > summaryRoom(file)) return false;
  appendFileSync(file, text);
  return true;
}
