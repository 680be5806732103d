/**
 * `npm run rotate-master-key`: moves every live data key from the previous master key to the current one.
 *
 *   1. every process gets LORO_MASTER_KEY=<new> and LORO_MASTER_KEY_PREVIOUS=<old> (they read keys under either)
 *   2. this command rewraps the data keys (only `data_keys` is written; no data is re-encrypted)
 *   3. LORO_MASTER_KEY_PREVIOUS is removed everywhere; the old master key can then be destroyed
 *
 * Safe to run again (already rewrapped keys are counted, not touched) and alongside running processes. Exits 1
 * when some key is under a master key it was not given, so step 3 is not taken too early.
 */
import { loadConfig, withServiceAddresses } from '../config/index.ts';
import { runMain, StartupError } from '../lib/main.ts';
import { connectMongo } from '../lib/mongo.ts';
import { MongoKeyring } from '../lib/crypto/mongo-keyring.ts';
import { loadMasterKeys } from '../lib/crypto/master-key.ts';
import { dataKeyModel } from '../models/data-key.ts';

runMain('rotate-master-key', async () => {
  const config = withServiceAddresses(loadConfig());
  const masters = loadMasterKeys(config);
  const mongo = await connectMongo(config.mongoUri);
  try {
    // Not createKeyring: its start-up check refuses keys under unknown masters, which this command reports instead.
    const model = dataKeyModel(mongo);
    await model.createIndexes();
    const report = await new MongoKeyring(model, masters).rewrap();
    const lines = [
      `master key ${masters.current.id}${masters.previous ? ` (previous ${masters.previous.id})` : ' (no LORO_MASTER_KEY_PREVIOUS given)'} in ${mongo.name}:`,
      `  rewrapped        ${report.rewrapped}`,
      `  already current  ${report.alreadyCurrent}`,
      `  destroyed        ${report.destroyed} (nothing to rewrap)`,
      `  unreadable       ${report.unreadable.length}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (report.unreadable.length) {
      const byMaster = new Map<string, number>();
      for (const u of report.unreadable) byMaster.set(u.masterKeyId ?? '(none)', (byMaster.get(u.masterKeyId ?? '(none)') ?? 0) + 1);
      const detail = [...byMaster].map(([id, count]) => `${count} under ${id}`).join(', ');
      throw new StartupError(`${report.unreadable.length} data key(s) are wrapped under a master key this command was not given (${detail}): set it as LORO_MASTER_KEY_PREVIOUS and run again`);
    }
  } finally {
    await mongo.close();
  }
  return async () => {};
});
