/**
 * Finds where the user's code created a construct: the first stack frame outside meshcc's own construct library
 * and outside node internals / node_modules. Needs source maps (tsx provides them), so lines are the `.ts` lines.
 */
import { fileURLToPath } from 'node:url';
import type { SourceSpan } from '../../model/types.ts';

const frameRe = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/;
const libDir = fileURLToPath(new URL('../', import.meta.url));

function isLibraryFrame(file: string): boolean {
  return file.startsWith(libDir) || file.includes('/node_modules/') || file.startsWith('node:');
}

/** Parses a V8 stack and returns the first user frame. */
export function userSpanFromStack(stack: string | undefined): SourceSpan | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = frameRe.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (isLibraryFrame(file)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** The span of the user code calling into the construct library right now. */
export function captureUserSpan(): SourceSpan | undefined {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  try {
    return userSpanFromStack(new Error().stack);
  } finally {
    Error.stackTraceLimit = saved;
  }
}
