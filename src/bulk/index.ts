/** The bulk sender's public surface: documents in, per-document outcomes out. */
export { BulkSender, DEFAULT_RETRY, type BulkSenderOptions, type RetryInfo } from './sender.js';
export { BulkFailure, type BulkFailureKind } from './failure.js';
export { clientTransport, TransportError, type BulkResponse, type BulkTransport } from './transport.js';
export { classifyItem, classifyResponse, type ItemVerdict, type ResponseVerdict } from './classify.js';
export { backoffDelay } from './backoff.js';
