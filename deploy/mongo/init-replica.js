// Initialise the LORO MongoDB replica set and ensure the application user.
//
// Run by the one-shot `mongo-init` service in docker-compose.yml, as root over a
// direct connection to mongo1:
//   mongosh "mongodb://mongo1:27017/admin?directConnection=true" \
//     --username root --password ... --authenticationDatabase admin --file init-replica.js
//
// Idempotent: every `docker compose up` runs it again.
//   1. rs.initiate() only if the set has no configuration yet (mongo1 gets priority 2,
//      so it is the preferred primary; mongo2/mongo3 must start with empty volumes).
//   2. Wait until mongo1 is the writable primary (after a failover, mongo1's higher
//      priority makes it take primacy back once it has caught up).
//   3. Create the application user, or update its password and roles if it exists
//      (so rotating MONGO_APP_PASSWORD in .env takes effect on the next `up`).
//
// Environment (set by docker-compose.yml):
//   MONGO_REPLICA_SET   replica set name (rs0)
//   MONGO_MEMBERS       comma-separated host:port list, first one = preferred primary
//   MONGO_APP_DB        application database (loro)
//   MONGO_APP_USER      application user (loro)
//   MONGO_APP_PASSWORD  application user's password (required)

/* global rs, db, sleep, quit, print, process */

const REPLICA_SET = process.env.MONGO_REPLICA_SET || 'rs0';
const MEMBERS = (process.env.MONGO_MEMBERS || 'mongo1:27017,mongo2:27017,mongo3:27017')
  .split(',')
  .map((h) => h.trim())
  .filter(Boolean);
const APP_DB = process.env.MONGO_APP_DB || 'loro';
const APP_USER = process.env.MONGO_APP_USER || 'loro';
const APP_PASSWORD = process.env.MONGO_APP_PASSWORD || '';
const PRIMARY_TIMEOUT_MS = 180 * 1000;

function fail(message) {
  print(`mongo-init: ERROR: ${message}`);
  quit(1);
}

function log(message) {
  print(`mongo-init: ${message}`);
}

if (APP_PASSWORD.length < 16) {
  fail('MONGO_APP_PASSWORD is missing or shorter than 16 characters');
}
if (!/^[A-Za-z0-9._~-]+$/.test(APP_PASSWORD)) {
  // It is embedded verbatim in MONGODB_URI by docker-compose.yml.
  fail('MONGO_APP_PASSWORD must be URL-safe (letters, digits, . _ ~ -); use e.g. `openssl rand -hex 32`');
}

function replicaSetConfigured() {
  try {
    rs.status();
    return true;
  } catch (err) {
    // 94 = NotYetInitialized: mongod runs with --replSet but has no config yet.
    if (err && (err.code === 94 || err.codeName === 'NotYetInitialized')) return false;
    throw err;
  }
}

// 1. Initiate once.
if (replicaSetConfigured()) {
  log(`replica set ${REPLICA_SET} already configured`);
} else {
  const config = {
    _id: REPLICA_SET,
    members: MEMBERS.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 })),
  };
  log(`initiating replica set ${REPLICA_SET} with ${MEMBERS.join(', ')}`);
  const res = rs.initiate(config);
  if (!res || res.ok !== 1) fail(`rs.initiate failed: ${JSON.stringify(res)}`);
}

// 2. Wait for this member (mongo1) to become the writable primary.
const deadline = Date.now() + PRIMARY_TIMEOUT_MS;
let hello = db.hello();
while (!hello.isWritablePrimary) {
  if (Date.now() > deadline) {
    fail(`no writable primary on ${MEMBERS[0]} after ${PRIMARY_TIMEOUT_MS / 1000}s (current primary: ${hello.primary || 'none'})`);
  }
  sleep(1000);
  hello = db.hello();
}
log(`primary is ${hello.me}`);

// 3. Application user with least privilege on its own database.
const appDb = db.getSiblingDB(APP_DB);
const roles = [
  { role: 'readWrite', db: APP_DB },
  { role: 'dbAdmin', db: APP_DB }, // index builds by mongoose / agenda / connect-mongo
];
const writeConcern = { w: 'majority', wtimeout: 60000 };
if (appDb.getUser(APP_USER)) {
  appDb.updateUser(APP_USER, { pwd: APP_PASSWORD, roles }, writeConcern);
  log(`user ${APP_USER}@${APP_DB} updated`);
} else {
  appDb.createUser({ user: APP_USER, pwd: APP_PASSWORD, roles }, writeConcern);
  log(`user ${APP_USER}@${APP_DB} created`);
}

log(`replica set ${REPLICA_SET} ready`);
