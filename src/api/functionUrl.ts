/**
 * A Lambda function URL request (payload format 2.0) → the query API's request, and the API's answer →
 * the function URL's result. Only what the API reads is taken from the event: the method, the raw path
 * (still percent-encoded, so an ARN's `/` is `%2F` as over local HTTP) and the raw query string.
 *
 * A function URL answers at most 6 MB, counted on the result as Lambda serialises it: the body is a JSON
 * string inside that JSON, so each `"` and `\` of the API's answer costs two bytes there. An answer whose
 * escaped form would not fit is sent base64-encoded instead (4 bytes per 3, whatever it holds; the URL
 * decodes it for the caller), so the API's byte bound alone keeps every result under the limit.
 */
import type { ApiRequest, ApiResponse } from './queryApi.js';

/** The parts of a function URL event the API reads. */
export interface FunctionUrlEvent {
  rawPath?: string;
  rawQueryString?: string;
  requestContext?: {
    http?: { method?: string; sourceIp?: string };
    authorizer?: { iam?: { userArn?: string } };
    requestId?: string;
  };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** The payload limit of a function URL answer (6 MB), taken as decimal megabytes to be safe. */
export const FUNCTION_URL_MAX_RESULT_BYTES = 6_000_000;

/**
 * The bound on the API's answer behind a function URL: the 4 MiB the local API uses. Base64 makes it at
 * most 5,592,408 bytes, which leaves more than 400 KB of the limit for the headers and the envelope.
 */
export const FUNCTION_URL_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** Room kept for the result's envelope (status, headers, field names) around the body. */
const ENVELOPE_BYTES = 1024;

export function apiRequestOf(event: FunctionUrlEvent): ApiRequest {
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath || '/',
    query: new URLSearchParams(event.rawQueryString ?? ''),
  };
}

/** The result for `answer`; a HEAD request gets the status and headers with an empty body. */
export function functionUrlResult(answer: ApiResponse, method: string): FunctionUrlResult {
  const headers = { 'content-type': 'application/json; charset=utf-8' };
  if (method === 'HEAD') return { statusCode: answer.status, headers, body: '', isBase64Encoded: false };
  const escapedBytes = Buffer.byteLength(JSON.stringify(answer.body));
  if (escapedBytes + ENVELOPE_BYTES <= FUNCTION_URL_MAX_RESULT_BYTES)
    return { statusCode: answer.status, headers, body: answer.body, isBase64Encoded: false };
  return {
    statusCode: answer.status,
    headers,
    body: Buffer.from(answer.body, 'utf8').toString('base64'),
    isBase64Encoded: true,
  };
}
