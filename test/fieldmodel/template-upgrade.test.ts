/**
 * Issue 4, point 5: a newer template version applies to new daily indices only; existing indices keep
 * their mapping and stay searchable; the pipeline (which ships the older version) never downgrades it.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplates } from '../../src/generator/generate.js';
import { clientHttp } from '../../src/http/request.js';
import { installTemplate } from '../../src/template/install.js';
import {
  countMappedFields,
  indexTemplate,
  TEMPLATE_VERSION,
  type IndexTemplate,
} from '../../src/template/template.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import {
  http,
  idsOf,
  logPath,
  mappingOf,
  PREFIX,
  search,
  startHarness,
  writeCloudTrailFile,
  type Harness,
} from './helpers.js';

/** "v2": the current template plus one typed field, version + 1. */
function nextVersion(current: IndexTemplate): IndexTemplate {
  const body = structuredClone(current.body) as {
    version: number;
    template: { mappings: { properties: Record<string, unknown> } };
  };
  body.version = TEMPLATE_VERSION + 1;
  body.template.mappings.properties.additionalEventData = {
    properties: { MFAUsed: { type: 'keyword', ignore_above: 1024 } },
  };
  return { name: current.name, body: body as unknown as Record<string, unknown> };
}

describe('field model: upgrading the index template (dev server, real pipeline)', function () {
  this.timeout(30_000);
  let h: Harness;
  let work: string;

  before(async () => {
    h = await startHarness();
    work = await mkdtemp(join(tmpdir(), 'ct-upgrade-'));
  });
  after(async () => {
    await h?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('v2 shapes new days only; day A keeps its mapping and data; v1 never replaces v2', async () => {
    const v1 = indexTemplate({ indexPrefix: PREFIX });
    const v2 = nextVersion(v1);
    const [sample] = await loadTemplates(SAMPLES_DIR);
    const record = (id: string, day: string) => ({
      ...sample,
      eventID: id,
      eventTime: `${day}T08:00:00Z`,
      additionalEventData: { MFAUsed: 'Yes', LoginTo: 'https://console.aws.amazon.com' },
    });
    const templateVersion = async () =>
      (await http(h.server, 'GET', `/_index_template/${v1.name}`)).body.index_templates[0].index_template
        .version;

    // Day A with the current template, installed by the pipeline itself.
    await writeCloudTrailFile(logPath(join(work, 'a'), '2024-06-01', 'DAYA000000000001'), [
      record('day-a', '2024-06-01'),
    ]);
    assert.equal((await h.index(join(work, 'a'))).indexed, 1);
    assert.equal(await templateVersion(), TEMPLATE_VERSION);
    const dayA = await mappingOf(h.server, 'cloudtrail-2024-06-01');

    // A newer deployment installs v2; then this (older) pipeline indexes day B.
    assert.equal(await installTemplate(clientHttp(h.client), v2), 'installed');
    await writeCloudTrailFile(logPath(join(work, 'b'), '2024-06-02', 'DAYB000000000001'), [
      record('day-b', '2024-06-02'),
    ]);
    assert.equal((await h.index(join(work, 'b'))).indexed, 1);
    assert.equal(await templateVersion(), TEMPLATE_VERSION + 1, 'the older pipeline did not downgrade v2');
    assert.equal(await installTemplate(clientHttp(h.client), v1), 'newer-exists');
    assert.equal(await templateVersion(), TEMPLATE_VERSION + 1);
    assert.equal(await installTemplate(clientHttp(h.client), v2), 'up-to-date');

    // Day A: untouched mapping, still searchable; day B: the new field, and it is indexed.
    assert.deepEqual(await mappingOf(h.server, 'cloudtrail-2024-06-01'), dayA);
    const dayB = await mappingOf(h.server, 'cloudtrail-2024-06-02');
    assert.equal(countMappedFields(dayB), countMappedFields(dayA) + 2);
    assert.deepEqual((dayB.properties as Record<string, unknown>).additionalEventData, {
      properties: { MFAUsed: { type: 'keyword', ignore_above: 1024 } },
    });
    assert.deepEqual(idsOf(await search(h.server, 'cloudtrail-*', { term: { eventID: 'day-a' } })), [
      'day-a',
    ]);
    assert.deepEqual(
      idsOf(await search(h.server, 'cloudtrail-*', { term: { 'additionalEventData.MFAUsed': 'Yes' } })),
      ['day-b'],
    );
    // The pair is written in both days, so queries that do not need the new field work across them.
    assert.deepEqual(
      idsOf(
        await search(h.server, 'cloudtrail-*', { term: { 'ct.pairs': 'additionalEventData.MFAUsed=Yes' } }),
      ),
      ['day-a', 'day-b'],
    );
  });
});
