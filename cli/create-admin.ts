/**
 * `npm run create-admin -- --email a@b.c --name "A B" [--password-stdin]`: the first admin. There is no
 * default password: it is typed at a hidden prompt (or piped on stdin for automation) and never logged.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { loadConfig, withServiceAddresses } from '../config/index.ts';
import { runMain, StartupError } from '../lib/main.ts';
import { connectMongo } from '../lib/mongo.ts';
import { createKeyring } from '../lib/crypto/mongo-keyring.ts';
import { createModels, syncIndexes } from '../models/index.ts';
import { createUser, DuplicateUserError } from '../lib/users.ts';
import { createUserBodySchema, PASSWORD_MIN_LENGTH } from '../schemas/auth.ts';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += chunk;
    return data.replace(/\r?\n$/, '');
  }
  let muted = false;
  const output = new Writable({ write: (chunk, _enc, cb) => (muted || process.stdout.write(chunk), cb()) });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const ask = (q: string) => new Promise<string>((resolve) => {
    process.stdout.write(q);
    muted = true;
    rl.question('', (answer) => {
      muted = false;
      process.stdout.write('\n');
      resolve(answer);
    });
  });
  const first = await ask(`Password (at least ${PASSWORD_MIN_LENGTH} characters): `);
  const second = await ask('Repeat it: ');
  rl.close();
  if (first !== second) throw new StartupError('the two passwords differ; nothing was created');
  return first;
}

runMain('create-admin', async () => {
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } } });
  if (!values.email || !values.name) throw new StartupError('usage: npm run create-admin -- --email you@example.com --name "Your Name" [--password-stdin]');
  const password = await readPassword(values['password-stdin'] ?? false);
  const input = { email: values.email, name: values.name, roles: ['admin' as const], password };
  const ajv = new Ajv({ allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(createUserBodySchema);
  if (!validate(input)) {
    throw new StartupError(validate.errors!.map((e) => `${e.instancePath.slice(1) || 'input'} ${e.message}`).join('; ').replace('password must NOT have fewer than', 'password must have at least'));
  }
  const config = withServiceAddresses(loadConfig());
  const mongo = await connectMongo(config.mongoUri);
  try {
    const models = createModels(mongo, await createKeyring(mongo, config));
    await syncIndexes(models);
    const user = await createUser(models, input);
    process.stdout.write(`admin ${user.email} created (${user.id}); sign in at ${config.http.publicUrl}\n`);
  } catch (err) {
    if (err instanceof DuplicateUserError) throw new StartupError(`a user with the email ${values.email} exists already; nothing was changed`);
    throw err;
  } finally {
    await mongo.close();
  }
  return async () => {};
});
