/**
 * The fast path's working memory: the record's copy, the path, pairs and text buffers, the key guard's
 * tables, the compiled typed-field tables (a few hundred KB) and the derived members seen so far (which
 * depend on a record's bytes alone). Everything else in it is reset for each record, so one workspace
 * serves file after file; a file's run takes one for its builder and gives it
 * back when the file is done (DocumentMemory), which spares allocating and zeroing it per file.
 */
import { DerivedMembers } from './derivedMembers.js';
import { FieldTables } from './fieldTable.js';
import { KeyGuard } from './keyGuard.js';
import { PairsWriter } from './pairsWriter.js';
import { RecordScanner } from './recordScanner.js';

export class FastWorkspace {
  readonly scanner = new RecordScanner();
  readonly pairs = new PairsWriter();
  readonly tables = new FieldTables();
  readonly keys = new KeyGuard(this.tables);
  readonly derived = new DerivedMembers();
}
