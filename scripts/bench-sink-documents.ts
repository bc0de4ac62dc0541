/**
 * The single-document requests the benchmark's bulk sink (bench-sink.ts) answers as a cluster does, for
 * the ledger (`npm run bench -- --ledger`): create an index (400 `resource_already_exists_exception` the
 * second time), create a document (`_create`: 201, or 409 when it exists), get a document (404
 * `found: false` until written; `_seq_no` and `_primary_term` when found) and put one (201 created, then
 * 200 updated; 409 when `if_seq_no` names another version). Documents are kept as their bytes, so a
 * replayed file finds its entry as on a cluster.
 */
const DOCUMENT_PATH = /^\/([^/_][^/]*)\/(_doc|_create)\/([^/?]+)(?:\?(.*))?$/;
const INDEX_PATH = /^\/([^/_][^/?]*)$/;

export interface SinkAnswer {
  status: number;
  body: string;
}

interface StoredDocument {
  source: Buffer;
  seqNo: number;
}

export class SinkDocuments {
  private readonly indices = new Set<string>();
  private readonly documents = new Map<string, StoredDocument>();
  /** One sequence for every index: a cluster's are per shard, but only their change is ever compared. */
  private nextSeqNo = 0;

  /** Documents written so far (the benchmark checks that every file has its ledger entry). */
  get count(): number {
    return this.documents.size;
  }

  /** The answer to `method path`, or undefined when it is not a request this class answers. */
  answer(method: string, path: string, body: Buffer): SinkAnswer | undefined {
    const document = DOCUMENT_PATH.exec(path);
    if (document) {
      const [, index, endpoint, id, query] = document as unknown as [string, string, string, string, string?];
      const key = `${index}/${id}`;
      const stored = this.documents.get(key);
      if (method === 'GET' && endpoint === '_doc') {
        return stored === undefined
          ? { status: 404, body: JSON.stringify({ _index: index, _id: id, found: false }) }
          : {
              status: 200,
              body:
                `{"_index":${JSON.stringify(index)},"_id":"${id}","_seq_no":${stored.seqNo},` +
                `"_primary_term":1,"found":true,"_source":${stored.source.toString()}}`,
            };
      }
      if (method !== 'PUT' && method !== 'POST') return undefined;
      const params = new URLSearchParams(query ?? '');
      const mustCreate = endpoint === '_create' || params.get('op_type') === 'create';
      const ifSeqNo = params.get('if_seq_no');
      if ((mustCreate && stored !== undefined) || (ifSeqNo !== null && Number(ifSeqNo) !== stored?.seqNo)) {
        const error = {
          type: 'version_conflict_engine_exception',
          reason: `[${id}]: version conflict`,
          index,
        };
        return { status: 409, body: JSON.stringify({ error, status: 409 }) };
      }
      this.indices.add(index);
      this.documents.set(key, { source: body, seqNo: this.nextSeqNo++ });
      const result = stored === undefined ? 'created' : 'updated';
      return {
        status: stored === undefined ? 201 : 200,
        body: JSON.stringify({ _index: index, _id: id, result }),
      };
    }
    const index = INDEX_PATH.exec(path)?.[1];
    if (index === undefined || method !== 'PUT') return undefined;
    if (this.indices.has(index)) {
      const error = { type: 'resource_already_exists_exception', reason: `index [${index}] already exists` };
      return { status: 400, body: JSON.stringify({ error, status: 400 }) };
    }
    this.indices.add(index);
    return { status: 200, body: JSON.stringify({ acknowledged: true, shards_acknowledged: true, index }) };
  }
}
