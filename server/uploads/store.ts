import { GridFSBucket, ObjectId, type Db } from 'mongodb';
import type { Readable } from 'node:stream';

/** The GridFS bucket holding uploaded bytes: collections `upload_blobs.files` and `upload_blobs.chunks`. */
export const UPLOAD_BUCKET = 'upload_blobs';

export interface BlobStore {
  /** Stores bytes as one GridFS file; resolves with its id. */
  put(data: Uint8Array, meta: { filename: string; contentType: string }): Promise<ObjectId>;
  /** The whole file in memory (uploads are capped at a few megabytes); null when it is gone. */
  read(id: ObjectId): Promise<Buffer | null>;
  /** A stream of the file's bytes. Errors (a file deleted meanwhile) arrive on the stream. */
  stream(id: ObjectId): Readable;
  /** Deletes the file and its chunks; a file already gone is not an error. */
  remove(id: ObjectId): Promise<void>;
}

/**
 * Uploaded bytes in GridFS through the driver's GridFSBucket on the forum's own connection,
 * so the embedded database and a MongoDB deployment hold them the same way, and `export` /
 * `import` (server/cli/data.ts) carry the two bucket collections like any other.
 */
export function createBlobStore(db: Db): BlobStore {
  const bucket = new GridFSBucket(db, { bucketName: UPLOAD_BUCKET });
  return {
    put(data, meta) {
      return new Promise<ObjectId>((resolve, reject) => {
        const up = bucket.openUploadStream(meta.filename, { metadata: { contentType: meta.contentType } });
        up.once('error', reject);
        up.once('finish', () => resolve(up.id));
        up.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      });
    },
    async read(id) {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of bucket.openDownloadStream(id)) chunks.push(chunk as Buffer);
      } catch (err) {
        if (isFileNotFound(err)) return null;
        throw err;
      }
      return Buffer.concat(chunks);
    },
    stream: (id) => bucket.openDownloadStream(id),
    async remove(id) {
      try {
        await bucket.delete(id);
      } catch (err) {
        if (!isFileNotFound(err)) throw err;
      }
    },
  };
}

/** The driver's "FileNotFound" (a GridFS file id with no files document). */
export function isFileNotFound(err: unknown): boolean {
  return err instanceof Error && /FileNotFound|File not found/i.test(err.message);
}
