/**
 * The personal data plugin on a model of account data (accountId path, a GPS object, two blind indexes): what
 * is stored, what reads give back (lean and hydrated), and the queries and writes it refuses because they
 * would bypass the encryption.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Schema, type Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { createKeyring, type MongoKeyring } from '../../lib/crypto/mongo-keyring.ts';
import { bindKeyring, findByBlindIndex, personalData, PersonalDataQueryError } from '../../lib/crypto/encrypted-fields.ts';
import { KeyDestroyedError, WrongContextError } from '../../lib/crypto/errors.ts';
import { testConfig } from '../fixtures/engine.ts';

const leadSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    name: { type: String, required: true },
    email: { type: String },
    emailBlindIndex: { type: String },
    phone: { type: String },
    location: { type: Schema.Types.Mixed },
    stage: { type: String, default: 'new' },
  },
  { versionKey: false },
);
leadSchema.plugin(personalData, { personalFields: ['name', 'email', 'phone', 'location'], blindIndexes: { email: 'email', phone: 'phone' }, accountIdFrom: { path: 'accountId' } });

let mongo: Connection;
let keyring: MongoKeyring;
const Lead = () => {
  const model = mongo.model('TestLead', leadSchema, 'test_leads');
  bindKeyring(model, keyring);
  return model;
};
let Leads: ReturnType<typeof Lead>;

beforeAll(async () => {
  const config = testConfig();
  mongo = await connectMongo(config.mongoUri);
  keyring = await createKeyring(mongo, config);
  Leads = Lead();
  await Leads.createIndexes();
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});

const raw = (id: string) => mongo.db!.collection('test_leads').findOne({ _id: id as never });
let seq = 0;
const lead = (accountId = 'acc_fields_1') => ({
  _id: `lead_${++seq}`,
  accountId,
  name: `Lena Lead ${seq}`,
  email: `lena.${seq}@leads.example`,
  phone: `+49 (30) 555-${1000 + seq}`,
  location: { lat: 52.52, lng: 13.405 },
});

describe('personal data plugin', () => {
  it('stores ciphertext and blind indexes only; lean and hydrated reads give the values back, objects included', async () => {
    const input = lead();
    const created = await Leads.create(input);
    expect(created.toObject()).toMatchObject(input);
    expect(created.isModified()).toBe(false);

    const stored = await raw(input._id);
    const json = JSON.stringify(stored);
    for (const value of [input.name, input.email, input.phone, '52.52']) expect(json).not.toContain(value);
    expect(stored).toMatchObject({ accountId: input.accountId, stage: 'new', name: expect.stringMatching(/^v1\.dk_/), emailBlindIndex: expect.stringMatching(/^[0-9a-f]{32}$/), phoneBlindIndex: expect.stringMatching(/^[0-9a-f]{32}$/) });

    expect(await Leads.findById(input._id).lean()).toMatchObject(input);
    const doc = await Leads.findOne({ _id: input._id });
    expect(doc?.toObject()).toMatchObject(input);
    expect(doc?.isModified()).toBe(false);
    expect((await Leads.find({ accountId: input.accountId }).lean()).map((l) => l.email)).toContain(input.email);
  });

  it('a save that changes one field re-encrypts that field and its index only; the document keeps plaintext', async () => {
    const input = lead();
    await Leads.create(input);
    const before = await raw(input._id);
    const doc = (await Leads.findById(input._id))!;
    doc.set('email', 'Lena.New@Leads.Example');
    doc.set('stage', 'contacted');
    await doc.save();
    expect(doc.get('email')).toBe('Lena.New@Leads.Example');
    const after = await raw(input._id);
    expect(after?.name).toBe(before?.name);
    expect(after?.email).not.toBe(before?.email);
    expect(after?.emailBlindIndex).not.toBe(before?.emailBlindIndex);
    expect(await findByBlindIndex(Leads, 'email', '  lena.new@leads.example ', { accountId: input.accountId })).toHaveLength(1);
    expect(await findByBlindIndex(Leads, 'email', input.email, { accountId: input.accountId })).toHaveLength(0);
  });

  it('insertMany encrypts too, leaves the caller’s objects alone and returns plaintext documents', async () => {
    const inputs = [lead('acc_fields_2'), lead('acc_fields_3')];
    const copies = structuredClone(inputs);
    const docs = await Leads.insertMany(inputs);
    expect(inputs).toEqual(copies);
    expect(docs.map((d) => d.get('email'))).toEqual(inputs.map((i) => i.email));
    expect(JSON.stringify(await raw(inputs[0]!._id))).not.toContain(inputs[0]!.email);
    // Each account's own key: the same address in two accounts has unrelated blind indexes.
    const a = await findByBlindIndex(Leads, 'phone', inputs[0]!.phone.replace(/[()\s-]/g, ''), { accountId: 'acc_fields_2' });
    expect(a.map((l) => l._id)).toEqual([inputs[0]!._id]);
    expect(await findByBlindIndex(Leads, 'phone', inputs[0]!.phone, { accountId: 'acc_fields_3' })).toHaveLength(0);
  });

  it('refuses filters on personal paths, updates that write them, and distinct over them', async () => {
    const refused = [
      () => Leads.findOne({ email: 'x@y.z' }),
      () => Leads.find({ $or: [{ stage: 'new' }, { name: 'Lena' }] }),
      () => Leads.countDocuments({ 'location.lat': 52.52 }),
      () => Leads.updateOne({ _id: 'lead_1' }, { $set: { email: 'plain@text.example' } }),
      () => Leads.updateOne({ _id: 'lead_1' }, { phone: '+1 555' }),
      () => Leads.findOneAndUpdate({ _id: 'lead_1' }, { $set: { 'location.lat': 1 } }),
      () => Leads.replaceOne({ _id: 'lead_1' }, { accountId: 'acc_fields_1', name: 'Plain' }),
      () => Leads.updateOne({ _id: 'lead_1' }, { $rename: { stage: 'name' } }),
      () => Leads.distinct('email'),
      () => Leads.bulkWrite([{ insertOne: { document: lead() } }]),
    ];
    for (const attempt of refused) await expect(attempt()).rejects.toBeInstanceOf(PersonalDataQueryError);
  });

  it('$unset of a personal field is allowed and clears its blind index too', async () => {
    const input = lead();
    await Leads.create(input);
    await Leads.updateOne({ _id: input._id }, { $unset: { email: 1 } });
    const stored = await raw(input._id);
    expect(stored).not.toHaveProperty('email');
    expect(stored).not.toHaveProperty('emailBlindIndex');
    expect(stored).toHaveProperty('phoneBlindIndex');
    expect((await Leads.findById(input._id).lean())?.name).toBe(input.name);
  });

  it('a ciphertext copied onto another document is refused with WrongContextError', async () => {
    const [a, b] = [lead(), lead()];
    await Leads.create(a);
    await Leads.create(b);
    const stolen = (await raw(a._id))!.email as string;
    await mongo.db!.collection('test_leads').updateOne({ _id: b._id as never }, { $set: { email: stolen } });
    await expect(Leads.findById(b._id).lean()).rejects.toBeInstanceOf(WrongContextError);
    await expect(Leads.findById(a._id).lean()).resolves.toMatchObject({ email: a.email });
  });

  it('after the account is shredded its documents fail with KeyDestroyedError, except without their personal fields', async () => {
    const input = lead('acc_fields_shredded');
    await Leads.create(input);
    await keyring.destroy('acc_fields_shredded');
    await expect(Leads.find({ accountId: 'acc_fields_shredded' }).lean()).rejects.toBeInstanceOf(KeyDestroyedError);
    expect(await Leads.find({ accountId: 'acc_fields_shredded' }).select('_id accountId stage').lean()).toEqual([{ _id: input._id, accountId: input.accountId, stage: 'new' }]);
    expect(await findByBlindIndex(Leads, 'email', input.email, { accountId: 'acc_fields_shredded' })).toEqual([]);
  });

  it('a projection without the account ID cannot be decrypted, and says so', async () => {
    const input = lead();
    await Leads.create(input);
    await expect(Leads.findById(input._id).select('name').lean()).rejects.toThrow(/accountId/);
  });

  it('rejects schemas that would corrupt ciphertext', () => {
    const withSetter = new Schema({ accountId: String, email: { type: String, lowercase: true } });
    expect(() => withSetter.plugin(personalData, { personalFields: ['email'], accountIdFrom: { path: 'accountId' } })).toThrow(/setters/);
    const numeric = new Schema({ accountId: String, age: Number });
    expect(() => numeric.plugin(personalData, { personalFields: ['age'], accountIdFrom: { path: 'accountId' } })).toThrow(/String or Mixed/);
  });
});
