/**
 * Construction-time argument errors (CDK style): thrown when a construct is created with arguments that are wrong on
 * their own (a port out of range, an invalid name). The loader turns them into MC1002 diagnostics.
 */
import type { SourceSpan } from '../../model/types.ts';

export class ConstructArgError extends Error {
  override readonly name = 'ConstructArgError';
  constructor(
    readonly constructPath: string,
    readonly property: string,
    readonly expected: string,
    readonly got: string,
    readonly span: SourceSpan | undefined,
  ) {
    super(`[${constructPath}] '${property}' ${expected}, got ${got}`);
  }
}
