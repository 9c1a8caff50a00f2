import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BSON, type Db, type Document, type IndexDescription } from 'mongodb';
import { UsageError, parseFlags, type CliContext, type Command } from './registry';

/**
 * `export` / `import`: the whole database as a directory of Extended JSON lines, one file
 * per collection (`<collection>.jsonl`, canonical EJSON so ObjectIds, dates, binaries and
 * 64-bit numbers survive) plus `indexes.json`. This is how an embedded database moves to a
 * real MongoDB (and back): export with no MONGODB_URI, import with MONGODB_URI set. Uploaded
 * files travel the same way: their GridFS bucket is two ordinary collections
 * (`upload_blobs.files`, `upload_blobs.chunks`; binary chunks as base64 `$binary`).
 */

const INDEXES_FILE = 'indexes.json';
const PROGRESS_EVERY = 5000;
const INSERT_BATCH = 1000;
// Uploaded files' GridFS chunks (server/uploads/store.ts) are ~255 KB each: a batch is also
// cut at this many bytes of Extended JSON, so importing them stays in bounded memory.
const INSERT_BATCH_BYTES = 8 * 1024 * 1024;

function database(ctx: CliContext): Db {
  const db = ctx.forum.db.db;
  if (!db) throw new Error('not connected to a database');
  return db;
}

async function collectionNames(db: Db): Promise<string[]> {
  const infos = await db.listCollections({}, { nameOnly: true }).toArray();
  return infos
    .filter((c) => (c as { type?: string }).type !== 'view' && !c.name.startsWith('system.'))
    .map((c) => c.name)
    .sort();
}

/** Writes a line, waiting when the stream's buffer is full (millions of documents stay in bounded memory). */
async function writeLine(stream: NodeJS.WritableStream, line: string): Promise<void> {
  if (!stream.write(line + '\n')) await once(stream, 'drain');
}

/** An index as listIndexes describes it -> createIndex(key, options). */
function indexSpec(ix: Document): IndexDescription {
  const { key, v: _v, ns: _ns, background: _bg, textIndexVersion: _tv, ...options } = ix as Document & { key: Document };
  let k: Document = key;
  if (key._fts === 'text') {
    // A text index lists as {_fts:'text', _ftsx:1}; it is created from its weighted fields.
    k = {};
    for (const [field, dir] of Object.entries(key)) {
      if (field === '_fts') for (const f of Object.keys((options.weights as Document) ?? {})) k[f] = 'text';
      else if (field !== '_ftsx') k[field] = dir;
    }
  }
  return { key: k, ...options } as IndexDescription;
}

export const dataCommands: Record<string, Command> = {
  export: {
    summary: 'export every collection to a directory: <collection>.jsonl (Extended JSON lines) and indexes.json',
    usage: '<directory> [--force]',
    async run(args, ctx) {
      const { flags, positional } = parseFlags(args);
      if (positional.length !== 1 || Object.keys(flags).some((f) => f !== 'force')) throw new UsageError('give one directory');
      const dir = path.resolve(positional[0]!);
      if (existsSync(dir) && readdirSync(dir).length && flags.force === undefined) {
        throw new Error(`${dir} is not empty (use --force to write into it anyway)`);
      }
      mkdirSync(dir, { recursive: true });
      const db = database(ctx);
      const names = await collectionNames(db);
      ctx.out(`exporting ${names.length} collections from "${db.databaseName}" to ${dir}`);
      const indexes: Record<string, Document[]> = {};
      let total = 0;
      for (const name of names) {
        const coll = db.collection(name);
        indexes[name] = await coll.listIndexes().toArray();
        const expected = await coll.estimatedDocumentCount();
        const file = path.join(dir, `${name}.jsonl`);
        const out = createWriteStream(file, { encoding: 'utf8' });
        let n = 0;
        // Natural order is fine: every document is written exactly once, whatever the order.
        for await (const doc of coll.find({}, { batchSize: 1000 })) {
          await writeLine(out, BSON.EJSON.stringify(doc, { relaxed: false }));
          if (++n % PROGRESS_EVERY === 0) ctx.out(`  ${name}: ${n}/${expected}`);
        }
        out.end();
        await once(out, 'finish');
        total += n;
        ctx.out(`  ${name}: ${n} documents, ${indexes[name]!.length} indexes`);
      }
      writeFileSync(
        path.join(dir, INDEXES_FILE),
        JSON.stringify({ database: db.databaseName, exportedAt: ctx.clock.now().toISOString(), collections: indexes }, null, 2) + '\n',
      );
      ctx.out(`done: ${total} documents in ${names.length} collections`);
    },
  },
  import: {
    summary: 'import a directory written by `export` into the configured database (MONGODB_URI or embedded), recreating indexes',
    usage: '<directory> [--drop]',
    async run(args, ctx) {
      const { flags, positional } = parseFlags(args);
      if (positional.length !== 1 || Object.keys(flags).some((f) => f !== 'drop')) throw new UsageError('give one directory');
      const dir = path.resolve(positional[0]!);
      const indexFile = path.join(dir, INDEXES_FILE);
      if (!existsSync(indexFile)) throw new Error(`${dir} has no ${INDEXES_FILE}: not a directory written by "export"`);
      const manifest = JSON.parse(readFileSync(indexFile, 'utf8')) as { collections: Record<string, Document[]> };
      const names = Object.keys(manifest.collections).sort();
      const drop = flags.drop !== undefined && flags.drop !== 'false';
      const db = database(ctx);

      // Refuse to mix data: every target collection must be empty (or dropped with --drop).
      const existing = new Set(await collectionNames(db));
      if (!drop) {
        const busy: string[] = [];
        for (const name of names) if (existing.has(name) && (await db.collection(name).estimatedDocumentCount()) > 0) busy.push(name);
        if (busy.length) throw new Error(`these collections already hold documents: ${busy.join(', ')} (use --drop to replace them)`);
      }

      ctx.out(`importing ${names.length} collections from ${dir} into "${db.databaseName}"`);
      let total = 0;
      for (const name of names) {
        if (drop && existing.has(name)) await db.collection(name).drop();
        const coll = db.collection(name);
        // Indexes first: unique indexes check the data as it arrives.
        const specs = manifest.collections[name]!.filter((ix) => ix.name !== '_id_').map(indexSpec);
        if (!existing.has(name) || drop)
          await db.createCollection(name).catch((err: { codeName?: string }) => {
            if (err.codeName !== 'NamespaceExists') throw err;
          });
        for (const spec of specs) {
          try {
            await coll.createIndexes([spec]);
          } catch (err) {
            // Start-up may already have built the same index under other options; keep going, say so.
            ctx.err(`  ${name}: index ${spec.name ?? JSON.stringify(spec.key)} not created: ${(err as Error).message}`);
          }
        }
        const file = path.join(dir, `${name}.jsonl`);
        let n = 0;
        if (existsSync(file)) {
          let batch: Document[] = [];
          let batchBytes = 0;
          let reported = 0;
          const flush = async () => {
            if (!batch.length) return;
            await coll.insertMany(batch, { ordered: true });
            n += batch.length;
            batch = [];
            batchBytes = 0;
            if (n - reported >= PROGRESS_EVERY) ctx.out(`  ${name}: ${(reported = n)}`);
          };
          const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
          for await (const line of lines) {
            if (!line.trim()) continue;
            batch.push(BSON.EJSON.parse(line, { relaxed: false }) as Document);
            batchBytes += line.length;
            if (batch.length >= INSERT_BATCH || batchBytes >= INSERT_BATCH_BYTES) await flush();
          }
          await flush();
        }
        total += n;
        ctx.out(`  ${name}: ${n} documents, ${specs.length + 1} indexes`);
      }
      ctx.out(`done: ${total} documents in ${names.length} collections`);
    },
  },
};
