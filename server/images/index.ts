/**
 * Uploaded files, as libraries with no state: what a file is (from its bytes), images
 * checked and re-encoded to fresh files with thumbnails, attachments identified, and
 * rectangles of a stored image hidden or outlined. Rules and decisions: docs/uploads-and-ocr.md.
 */
export { UploadError, type UploadErrorCode } from './errors';
export { DEFAULT_IMAGE_LIMITS, DEFAULT_ATTACHMENT_LIMITS, type ImageLimits, type AttachmentLimits } from './limits';
export { sniffType, type SniffedType, type TextCharset } from './sniff';
export { IMAGE_TYPES, type ImageType, type StoredImageType, type EncodedImage } from './encode';
export { inspectAndNormalize, formatBytes, type NormalizedImage } from './normalize';
export { identifyAttachment, type IdentifiedAttachment, type AttachmentType } from './attachments';
export { blurRegions, type Box, type BlurMode, type BlurOptions, type BlurredImage } from './blur';
export { outlineRegions } from './outline';
