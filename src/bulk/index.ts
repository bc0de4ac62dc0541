/** The bulk sender's public surface: documents in, per-document outcomes out. */
export { BulkSender, type BulkSenderOptions, type RetryInfo } from './sender.js';
export { BulkFailure, type BulkFailureKind } from './failure.js';
export { bulkTransport, clientTransport, type BulkResponse, type BulkTransport } from './transport.js';
export { classifyItem, classifyResponse, type ItemVerdict, type ResponseVerdict } from './classify.js';
