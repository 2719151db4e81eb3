/** meshcc's public API: the constructs to describe a mesh, and the compiler. */
export * from './constructs/index.ts';
export type * from './model/entries.ts';
export type * from './model/types.ts';
