/**
 * sorted-btree ships CommonJS with `exports.default`; under tsx/ESM the default import is
 * the module object. This shim hands out the constructor either way.
 */
import BTreeModule from 'sorted-btree';

type BTreeCtor = typeof BTreeModule;
const mod = BTreeModule as unknown as { default?: BTreeCtor };
export const BTree: BTreeCtor = (mod.default ?? BTreeModule) as BTreeCtor;
export type BTree<K, V> = InstanceType<typeof BTreeModule<K, V>>;

export { bulkLoad } from 'sorted-btree/extended/bulkLoad';

/** UTF-16 code unit order: the same order as the default Array.prototype.sort of strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
