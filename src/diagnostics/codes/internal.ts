/** MC0xxx: meshcc itself failed. */
import { def } from '../diagnostic.ts';

export const InternalError = def<{ error: string }>(
  'MC0001',
  'error',
  'internal error',
  (a) => `meshcc hit an internal error (this is a bug): ${a.error}`,
  'please report it with the environment that triggers it',
);
