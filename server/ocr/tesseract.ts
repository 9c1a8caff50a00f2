import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { createWorker, OEM } from 'tesseract.js';
import { parseTsv, type OcrEngine, type OcrEngineWorker } from './engine';

export interface TesseractEngineOptions {
  /**
   * Folder holding eng.traineddata.gz. Default: the LSTM-only "best_int" English model of
   * the @tesseract.js-data/eng package, read from node_modules (no download at run time).
   */
  langPath?: string;
}

/** The English model installed with the @tesseract.js-data/eng package. */
export function defaultLangPath(): string {
  const pkg = createRequire(import.meta.url).resolve('@tesseract.js-data/eng/package.json');
  return path.join(path.dirname(pkg), '4.0.0_best_int');
}

/**
 * Tesseract (tesseract.js) as an OcrEngine. Each worker is a worker thread running
 * Tesseract's WebAssembly build with the model loaded: the image is decoded, recognised and
 * laid out there, and the main thread receives a TSV string (cheaper to pass between threads
 * and to parse than tesseract.js's object tree of blocks and symbols).
 */
export function createTesseractEngine(options: TesseractEngineOptions = {}): OcrEngine {
  const langPath = options.langPath ?? defaultLangPath();
  return {
    async start(): Promise<OcrEngineWorker> {
      // tesseract.js never settles createWorker() when the language data is missing, so look first.
      await access(path.join(langPath, 'eng.traineddata.gz'));
      const worker = await createWorker('eng', OEM.LSTM_ONLY, {
        langPath,
        cacheMethod: 'none',
        gzip: true,
        // Without a handler tesseract.js rethrows a failed job inside its message listener,
        // which would crash the process; the job's promise rejects either way.
        errorHandler: () => {},
      });
      // Screenshots carry no meaningful density (often none at all, and Tesseract then warns on
      // every image): read every image as a 72 dpi screen.
      await worker.setParameters({ user_defined_dpi: '72' }).catch(async (err: unknown) => {
        await worker.terminate();
        throw err;
      });
      const thread = (worker as unknown as { worker?: ThreadWorker }).worker;
      let terminating = false;
      return {
        async recognize(image) {
          const result = await worker.recognize(
            Buffer.from(image.buffer, image.byteOffset, image.byteLength),
            {},
            { text: false, tsv: true },
          );
          return parseTsv(result.data.tsv ?? '');
        },
        async terminate() {
          if (terminating) return;
          terminating = true;
          // tesseract.js does not wait for the thread to stop; waiting lets close() mean "stopped".
          const exited = thread ? new Promise<void>((resolve) => thread.once('exit', () => resolve())) : Promise.resolve();
          await worker.terminate();
          await exited;
        },
        onExit(listener) {
          thread?.once('exit', () => {
            if (!terminating) listener();
          });
        },
      };
    },
  };
}
