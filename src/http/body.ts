/**
 * Reading an answer's body within a size bound, compressed or not: the raw bytes are counted as they
 * arrive (and a Content-Length over the bound is refused before any is read), and inflating stops at
 * the bound too, so a 1 MB gzip answer that would inflate to 1 GiB costs at most the bound in memory.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { unzipSync } from 'node:zlib';
import { NetworkError } from './errors.js';

/** The whole raw body, at most `maxBytes`; rejects with a NetworkError otherwise. */
export function readBody(stream: IncomingMessage, maxBytes: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(stream.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      stream.destroy();
      reject(tooLarge(what, `declares ${declared} bytes`, maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const fail = (error: NetworkError) => {
      if (settled) return;
      settled = true;
      stream.destroy();
      reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) fail(tooLarge(what, `sent more than ${maxBytes} bytes`, maxBytes));
      else chunks.push(chunk);
    });
    stream.on('error', (error: Error & { code?: unknown }) =>
      fail(new NetworkError(typeof error.code === 'string' ? error.code : 'ECONNRESET', error.message)),
    );
    stream.on('aborted', () => fail(new NetworkError('ECONNRESET', `${what}: answer aborted while read`)));
    stream.on('close', () => {
      if (!stream.complete) fail(new NetworkError('ECONNRESET', `${what}: answer closed before its end`));
    });
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
    });
  });
}

/**
 * The body as the caller reads it: parsed JSON when labelled JSON (text when it does not parse, so a
 * 2xx that is not JSON can be told apart), the text otherwise, undefined when empty. A gzip or deflate
 * body is inflated up to `maxBytes`.
 */
export function decodeBody(
  headers: IncomingHttpHeaders,
  raw: Buffer,
  maxBytes: number,
  what: string,
): unknown {
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
  let bytes = raw;
  if (raw.length > 0 && (encoding.includes('gzip') || encoding.includes('deflate'))) {
    try {
      bytes = unzipSync(raw, { maxOutputLength: maxBytes });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        throw tooLarge(what, `inflates to more than ${maxBytes} bytes`, maxBytes);
      }
      throw new NetworkError('EBADBODY', `${what}: ${encoding} answer does not inflate: ${String(error)}`);
    }
  }
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('utf8');
  const type = String(headers['content-type'] ?? '');
  if (!type.includes('application/json') && !type.includes('application/vnd.opensearch+json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function tooLarge(what: string, detail: string, maxBytes: number): NetworkError {
  return new NetworkError(
    'ERESPONSETOOLARGE',
    `${what}: the answer ${detail}, over the ${maxBytes}-byte bound on answers`,
  );
}
