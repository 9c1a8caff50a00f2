import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../kernel/errors';
import { objectIdString, parseId, parseInput } from '../kernel/validate';
import { endpoint, type AnyEndpoint, type AttachSpec, type FormAttachments } from '../http/endpoint';
import type { UploadScope } from '../../models/upload';
import type { OpenedUpload, UploadService, UploadVariant } from './service';

/** A year: an upload's URL never changes its bytes (a blurred copy gets a new URL). */
const PUBLIC_CACHE = 'public, max-age=31536000, immutable';
/** No script, no plugin, no request of any kind from a served file, even if a browser renders it. */
const FILE_CSP = "default-src 'none'; sandbox";

const uploadFields = z.object({
  conversationId: z.preprocess((v) => (v === '' ? undefined : v), objectIdString.optional()),
  scope: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['public', 'private']).optional()),
  alt: z.string().max(200).optional(),
});

const blurBody = z.object({
  boxes: z.array(z.object({ x: z.number().finite(), y: z.number().finite(), w: z.number().finite(), h: z.number().finite() })).max(100),
  mode: z.enum(['fill', 'pixelate']).optional(),
});

/** A file response: its own strict headers, then the bytes (nothing for HEAD). */
async function sendFile(req: Request, res: Response, file: OpenedUpload): Promise<void> {
  res.setHeader('Content-Security-Policy', FILE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  if (file.visibility === 'public') {
    res.setHeader('Cache-Control', PUBLIC_CACHE);
    res.setHeader('ETag', file.etag);
    if (req.headers['if-none-match'] === file.etag) return void res.status(304).end();
  } else {
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Pragma', 'no-cache');
  }
  // Files are downloaded, never opened by the browser; images are shown inline.
  if (file.kind === 'attachment') res.attachment(file.name);
  else res.setHeader('Content-Disposition', 'inline');
  res.setHeader('Content-Type', file.charset ? `${file.type}; charset=${file.charset}` : file.type);
  if (file.bytes !== null) res.setHeader('Content-Length', String(file.bytes));
  if (req.method === 'HEAD') return void res.end();
  const body = file.open();
  if (Buffer.isBuffer(body)) return void res.end(body);
  try {
    await pipeline(body, res);
  } catch (err) {
    req.log?.warn({ err }, 'upload stream ended early');
    res.destroy();
  }
}

/** An id route parameter; anything malformed is simply not found. */
const fileId = (req: Request) => {
  const id = String(req.params.id);
  if (!/^[0-9a-fA-F]{24}$/.test(id)) throw new NotFoundError('That file does not exist.');
  return id.toLowerCase();
};

/**
 * Upload routes: `POST /api/uploads` (multipart: `file`, optional `conversationId`, `scope`,
 * `alt`), the files themselves (`GET /uploads/:id`, `/thumb`, `/guard`), and blurring
 * (`POST /api/uploads/:id/blur`). The forms' own upload step is `formAttachments` below.
 */
export function uploadEndpoints(svc: UploadService, multipart: FormAttachments['parse']): AnyEndpoint[] {
  const file = (variant: UploadVariant) =>
    endpoint({
      page: variant === 'file' ? 'GET /uploads/:id' : `GET /uploads/:id/${variant}`,
      access: 'public',
      input: fileId,
      run: ({ actor, input }) => svc.open(actor, input, variant),
      html: (res, opened, { req }) => sendFile(req, res, opened),
    });
  return [
    endpoint({
      api: 'POST /api/uploads',
      access: 'user',
      limit: 'upload',
      parseBody: multipart,
      input: (req) => {
        if (req.uploadProblem) throw req.uploadProblem;
        if (!req.file) throw new ValidationError('Send the file in the multipart field "file".', { file: 'is required' });
        const fields = parseInput(uploadFields, req.body);
        return { file: req.file, ...fields };
      },
      run: ({ actor, input }) =>
        svc.create(actor, {
          data: input.file.buffer,
          fileName: input.file.originalname,
          scope: input.conversationId ? 'private' : (input.scope ?? 'public'),
          conversationId: input.conversationId,
          alt: input.alt,
        }),
      json: (upload) => ({ upload }),
      status: 201,
    }),
    endpoint({
      api: 'GET /api/uploads/:id',
      access: 'user',
      noStore: true,
      input: (req) => parseId(req.params.id),
      run: ({ actor, input }) => svc.describe(actor, input),
      json: (upload) => ({ upload }),
    }),
    endpoint({
      api: 'POST /api/uploads/:id/blur',
      access: 'user',
      limit: 'upload',
      input: (req) => ({ id: parseId(req.params.id), ...parseInput(blurBody, req.body) }),
      run: ({ actor, input }) => svc.blur(actor, input.id, { boxes: input.boxes, mode: input.mode }),
      json: (upload) => ({ upload }),
      status: 201,
    }),
    file('file'),
    file('thumb'),
    file('guard'),
  ];
}

/**
 * The no-JavaScript upload step of the post and message forms (server/http/endpoint.ts
 * `attach`): the form is multipart; when it carries a file (or its "Upload" button was
 * pressed), the file is stored for the form's place and its Markdown appended to the text.
 */
export function formAttachments(svc: UploadService, multipart: FormAttachments['parse']): FormAttachments {
  return {
    parse: multipart,
    isUploadStep: (req) => !!req.file || !!req.uploadProblem || (req.body as { intent?: unknown } | undefined)?.intent === 'upload',
    async store(actor, req: Request, spec: AttachSpec) {
      if (req.uploadProblem) throw req.uploadProblem;
      if (!req.file) throw new ValidationError('Choose a file to upload first.', { file: 'Choose a file to upload first.' });
      const alt = (req.body as { alt?: unknown }).alt;
      const scope: UploadScope = spec.scope;
      const upload = await svc.create(actor, {
        data: req.file.buffer,
        fileName: req.file.originalname,
        scope,
        conversationId: spec.conversationId?.(req),
        alt: typeof alt === 'string' ? alt.slice(0, 200) : undefined,
      });
      const notice =
        upload.kind === 'image'
          ? `Uploaded “${upload.name}” and added it at the end of your text as ${upload.markdown}. The words in brackets describe the image for people who cannot see it: change them if they do not say what it shows.`
          : `Attached “${upload.name}” at the end of your message as ${upload.markdown}.`;
      return { markdown: upload.markdown, notice };
    },
  };
}
