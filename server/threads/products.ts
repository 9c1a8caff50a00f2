import mongoose from 'mongoose';
import type { Actor } from '../kernel/actor';
import { Product } from '../../models/product';
import { Thread } from '../../models/thread';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import { canManageProducts } from './policy';
import { toObjectId } from './ids';
import { clearPageCache } from './page-cache';

/**
 * Products a question "applies to". The list is short and read on every list page and
 * ask form, so it is cached in memory; changes made here clear the cache at once, and
 * other app processes see them within CACHE_MS.
 */
export interface ProductView {
  id: string;
  name: string;
  slug: string;
}

const CACHE_MS = 30_000;
let cache: { at: number; db: string; list: ProductView[] } | null = null;

// Keyed by the database too, so a process that switches databases (tests) never sees
// another database's products.
const dbKey = () => {
  const c = mongoose.connection;
  return `${c.host}:${c.port}/${c.name}`;
};

export const DEFAULT_PRODUCTS = ['Certification', 'Office', 'Windows', 'Outlook', 'Teams', 'Account and billing'];

export function slugify(s: string): string {
  return (
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'item'
  );
}

export function clearProductCache(): void {
  cache = null;
}

export async function listProducts(): Promise<ProductView[]> {
  const db = dbKey();
  if (cache && cache.db === db && Date.now() - cache.at < CACHE_MS) return cache.list;
  const docs = await Product.find({}, { name: 1, slug: 1 }).sort({ position: 1, name: 1 }).lean();
  const list = docs.map((d) => ({ id: String(d._id), name: d.name, slug: d.slug }));
  cache = { at: Date.now(), db, list };
  return list;
}

/** A product by id or slug, or null. */
export async function findProduct(key: string): Promise<ProductView | null> {
  const list = await listProducts();
  const k = key.toLowerCase();
  return list.find((p) => p.id === k || p.slug === k) ?? null;
}

/** Resolves product ids to products, refusing unknown ones (stale form, tampered input). */
export async function resolveProducts(ids: string[]): Promise<ProductView[]> {
  const unique = [...new Set(ids.map((i) => i.toLowerCase()))];
  let list = await listProducts();
  if (unique.some((id) => !list.some((p) => p.id === id))) {
    clearProductCache(); // maybe created by another process a moment ago
    list = await listProducts();
  }
  const found = unique.map((id) => list.find((p) => p.id === id));
  if (found.some((p) => !p)) {
    throw new ValidationError('Choose products from the list.', { products: 'Choose products from the list.' });
  }
  return found as ProductView[];
}

/** Creates the default products if missing. Idempotent (upserts keyed by slug), safe to run at every start. */
export async function ensureDefaultProducts(names: string[] = DEFAULT_PRODUCTS): Promise<void> {
  if (!names.length) return;
  await Product.bulkWrite(
    names.map((name, i) => ({
      updateOne: {
        filter: { slug: slugify(name) },
        update: { $setOnInsert: { name, slug: slugify(name), position: i } },
        upsert: true,
      },
    })),
    { ordered: false },
  ).catch((err: { code?: number }) => {
    // Two processes starting at once: the loser's upsert hits the unique index. Harmless.
    if (err?.code !== 11000) throw err;
  });
  clearProductCache();
}

function requireProductAdmin(actor: Actor | null): void {
  if (!actor) throw new UnauthorizedError();
  if (!canManageProducts(actor)) throw new ForbiddenError('Only administrators can manage products.');
}

function duplicate(err: unknown): never {
  if ((err as { code?: number })?.code === 11000) {
    throw new ConflictError('A product with that name already exists.', 'duplicate');
  }
  throw err;
}

export async function createProduct(actor: Actor | null, input: { name: string }): Promise<ProductView> {
  requireProductAdmin(actor);
  const slug = slugify(input.name);
  const position = (await Product.countDocuments({})) + 100;
  const doc = await Product.create({ name: input.name, slug, position }).catch(duplicate);
  clearProductCache();
  return { id: String(doc._id), name: doc.name, slug: doc.slug };
}

/**
 * Renames a product and the denormalised names on its threads. The product is renamed
 * first; the thread copies follow in batches (re-running the rename repairs a crash).
 */
export async function renameProduct(actor: Actor | null, id: string, input: { name: string }): Promise<ProductView> {
  requireProductAdmin(actor);
  const _id = toObjectId(id, 'That product');
  const doc = await Product.findOneAndUpdate(
    { _id },
    { $set: { name: input.name, slug: slugify(input.name) } },
    { returnDocument: 'after' },
  )
    .lean()
    .catch(duplicate);
  if (!doc) throw new NotFoundError('That product does not exist.');
  clearProductCache();

  const cursor = Thread.find({ products: _id }, { products: 1, productNames: 1 }).lean().cursor({ batchSize: 500 });
  let batch: Parameters<typeof Thread.bulkWrite>[0] = [];
  for await (const t of cursor) {
    const names = t.products.map((p, i) => (p.equals(_id) ? doc.name : (t.productNames[i] ?? '')));
    batch.push({ updateOne: { filter: { _id: t._id }, update: { $set: { productNames: names } } } });
    if (batch.length >= 500) {
      await Thread.bulkWrite(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length) await Thread.bulkWrite(batch, { ordered: false });
  clearPageCache();
  return { id: String(doc._id), name: doc.name, slug: doc.slug };
}

/** Removes a product nobody's question applies to; one in use must be renamed instead. */
export async function removeProduct(actor: Actor | null, id: string): Promise<void> {
  requireProductAdmin(actor);
  const _id = toObjectId(id, 'That product');
  const used = await Thread.exists({ products: _id });
  if (used) throw new ConflictError('Questions apply to this product, so it cannot be removed. Rename it instead.', 'in_use');
  const res = await Product.deleteOne({ _id });
  if (!res.deletedCount) throw new NotFoundError('That product does not exist.');
  clearProductCache();
}
