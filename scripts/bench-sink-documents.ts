/**
 * The single-document requests the benchmark's bulk sink (bench-sink.ts) answers as a cluster does, for
 * the ledger (`npm run bench -- --ledger`): create an index (400 `resource_already_exists_exception` the
 * second time), get a document (404 `found: false` until written) and put one (201 created, then 200
 * updated). Documents are kept as their bytes, so a replayed file finds its entry as on a cluster.
 */
const DOCUMENT_PATH = /^\/([^/_][^/]*)\/_doc\/([^/?]+)$/;
const INDEX_PATH = /^\/([^/_][^/?]*)$/;

export interface SinkAnswer {
  status: number;
  body: string;
}

export class SinkDocuments {
  private readonly indices = new Set<string>();
  private readonly documents = new Map<string, Buffer>();

  /** Documents written so far (the benchmark checks that every file has its ledger entry). */
  get count(): number {
    return this.documents.size;
  }

  /** The answer to `method path`, or undefined when it is not a request this class answers. */
  answer(method: string, path: string, body: Buffer): SinkAnswer | undefined {
    const document = DOCUMENT_PATH.exec(path);
    if (document) {
      const [, index, id] = document as unknown as [string, string, string];
      const key = `${index}/${id}`;
      if (method === 'GET') {
        const source = this.documents.get(key);
        return source === undefined
          ? { status: 404, body: JSON.stringify({ _index: index, _id: id, found: false }) }
          : {
              status: 200,
              body: `{"_index":${JSON.stringify(index)},"_id":"${id}","found":true,"_source":${source.toString()}}`,
            };
      }
      if (method === 'PUT' || method === 'POST') {
        const created = !this.documents.has(key);
        this.indices.add(index);
        this.documents.set(key, body);
        const result = created ? 'created' : 'updated';
        return { status: created ? 201 : 200, body: JSON.stringify({ _index: index, _id: id, result }) };
      }
      return undefined;
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
