/**
 * The vocabulary of config-entry schemas: Go types as Consul's api structs declare them, in the terms the decoder
 * needs (mapstructure `WeaklyTypedInput` conversions, Go type names for Consul's error messages).
 */

/** A Go type the decoder converts to, weakly (mapstructure `WeaklyTypedInput`). */
export type FieldType =
  | { readonly k: 'string'; readonly go?: string }
  | { readonly k: 'int'; readonly go?: string }
  | { readonly k: 'float'; readonly go: string }
  | { readonly k: 'bool' }
  | { readonly k: 'duration' }
  | { readonly k: 'time' }
  | { readonly k: 'any' }
  | { readonly k: 'map'; readonly value: FieldType; readonly go: string }
  | { readonly k: 'list'; readonly item: FieldType; readonly go: string }
  | StructType;

export interface StructType {
  readonly k: 'struct';
  /** Go type name, e.g. `api.ServiceResolverFailover`. */
  readonly go: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

export interface FieldSpec {
  readonly type: FieldType;
  /** The `alias:"..."` tag: accepted snake_case spelling. */
  readonly alias?: string;
  /** A Go pointer: a zero value written explicitly is kept (it differs from unset). */
  readonly ptr?: boolean;
  /** The `json` tag renames the field in API JSON (or `false`: `json:"-"`, never sent). */
  readonly json?: string | false;
  readonly omitempty?: boolean;
}
