import type { Model } from 'mongoose';
import type { Actor } from '../kernel/actor';
import type { ProductDoc } from '../../models/product';
import type { ThreadDoc } from '../../models/thread';
import type { CacheRegistry } from '../kernel/cache';
import type { EventBus } from '../kernel/events';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors';
import { canManageProducts } from './policy';
import { toObjectId } from './ids';

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

/**
 * The products domain of threads. The list is cached for CACHE_MS (other processes' changes
 * show within that time); changes made here clear it at once and announce 'products.changed'
 * (thread pages show product names).
 */
export function createProducts(deps: { Product: Model<ProductDoc>; Thread: Model<ThreadDoc>; caches: CacheRegistry; events: EventBus }) {
  const { Product, Thread, events } = deps;
  const cache = deps.caches.create<ProductView[]>('products', { max: 1, ttlMs: CACHE_MS });
  const changed = async () => {
    cache.clear();
    await events.emit('products.changed', {});
  };

  async function listProducts(): Promise<ProductView[]> {
    return cache.getOrLoad('all', async () => {
      const docs = await Product.find({}, { name: 1, slug: 1 }).sort({ position: 1, name: 1 }).lean();
      return docs.map((d) => ({ id: String(d._id), name: d.name, slug: d.slug }));
    });
  }

  /** A product by id or slug, or null. */
  async function findProduct(key: string): Promise<ProductView | null> {
    const list = await listProducts();
    const k = key.toLowerCase();
    return list.find((p) => p.id === k || p.slug === k) ?? null;
  }

  /** Resolves product ids to products, refusing unknown ones (stale form, tampered input). */
  async function resolveProducts(ids: string[]): Promise<ProductView[]> {
    const unique = [...new Set(ids.map((i) => i.toLowerCase()))];
    let list = await listProducts();
    if (unique.some((id) => !list.some((p) => p.id === id))) {
      cache.clear(); // maybe created by another process a moment ago
      list = await listProducts();
    }
    const found = unique.map((id) => list.find((p) => p.id === id));
    if (found.some((p) => !p)) {
      throw new ValidationError('Choose products from the list.', { products: 'Choose products from the list.' });
    }
    return found as ProductView[];
  }

  /** Creates the default products if missing. Idempotent (upserts keyed by slug), safe to run at every start. */
  async function ensureDefaultProducts(names: string[] = DEFAULT_PRODUCTS): Promise<void> {
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
    await changed();
  }

  async function createProduct(actor: Actor | null, input: { name: string }): Promise<ProductView> {
    requireProductAdmin(actor);
    const slug = slugify(input.name);
    const position = (await Product.countDocuments({})) + 100;
    const doc = await Product.create({ name: input.name, slug, position }).catch(duplicate);
    await changed();
    return { id: String(doc._id), name: doc.name, slug: doc.slug };
  }

  /**
   * Renames a product and the denormalised names on its threads. The product is renamed
   * first; the thread copies follow in batches (re-running the rename repairs a crash).
   */
  async function renameProduct(actor: Actor | null, id: string, input: { name: string }): Promise<ProductView> {
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
    await changed();

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
    return { id: String(doc._id), name: doc.name, slug: doc.slug };
  }

  /** Removes a product nobody's question applies to; one in use must be renamed instead. */
  async function removeProduct(actor: Actor | null, id: string): Promise<void> {
    requireProductAdmin(actor);
    const _id = toObjectId(id, 'That product');
    const used = await Thread.exists({ products: _id });
    if (used) throw new ConflictError('Questions apply to this product, so it cannot be removed. Rename it instead.', 'in_use');
    const res = await Product.deleteOne({ _id });
    if (!res.deletedCount) throw new NotFoundError('That product does not exist.');
    await changed();
  }

  return {
    list: listProducts,
    find: findProduct,
    resolve: resolveProducts,
    ensureDefaults: ensureDefaultProducts,
    create: createProduct,
    rename: renameProduct,
    remove: removeProduct,
  };
}

export type Products = ReturnType<typeof createProducts>;
