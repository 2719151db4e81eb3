/**
 * The text of one frozen object kept by identity, per writer and slot (a depth or level, and whatever else the text
 * depends on): the compiler shares one frozen ownership `Meta` between every entry without a Meta of its own, so each
 * writer prints the same `Meta` block tens of thousands of times at the same depth.
 *
 * Kept only for a frozen object whose own properties are all data properties with values that are not objects or
 * functions: such an object can gain, lose or change nothing, so it prints the same text every time in the same slot.
 * One object is kept (the last one that qualified): that is the shared one; others are rare.
 */
import { flat } from '../model/flat-string.ts';

export class FrozenText {
  private object: object | undefined;
  private slot = -1;
  private text = '';

  /** The text kept for `o` in `slot`, if any. */
  get(o: object, slot: number): string | undefined {
    return o === this.object && slot === this.slot ? this.text : undefined;
  }

  /** Keeps `text` as `o`'s in `slot` when `o` qualifies (see the module comment). Returns `text`. */
  keep(o: object, slot: number, text: string): string {
    if (!Object.isFrozen(o)) return text;
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      if (!('value' in d)) return text;
      const v: unknown = d.value;
      if ((typeof v === 'object' && v !== null) || typeof v === 'function') return text;
    }
    this.object = o;
    this.slot = slot;
    this.text = flat(text);
    return this.text;
  }
}
