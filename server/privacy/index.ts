/**
 * Private information in public text: the detectors (certification IDs, access codes, e-mail
 * addresses, phone and card numbers, product keys) and the guard every public post passes
 * before it is stored. Used by threads (questions, replies, edits) and messages (secrets
 * pasted into a message body become secure fields).
 */
export * from './guard';
export { guardPublicPost, type ImageFinding } from './public-post';
