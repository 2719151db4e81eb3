/** MC1xxx: input and authoring — environments that do not load, entries that do not parse, bad construct arguments. */
import { def } from '../diagnostic.ts';

export const EnvironmentLoadFailed = def<{ file: string; error: string; hint?: string }>(
  'MC1001',
  'error',
  'environment does not load',
  (a) => `environment ${a.file} failed to load: ${a.error}`,
  (a) =>
    a.hint ?? 'fix the error in the environment file; it must default-export or call a function that builds a Mesh',
);

export const ConstructArgumentInvalid = def<{ construct: string; property: string; expected: string; got: string }>(
  'MC1002',
  'error',
  'invalid construct argument',
  (a) => `${a.construct}: '${a.property}' ${a.expected}, got ${a.got}`,
  (a) => `change '${a.property}' where the construct is created`,
);
