import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { ResolvedConfig } from '../config/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { Keyring } from '../lib/crypto/keyring.ts';
import type { Models } from '../models/index.ts';
import type { LoginThrottle } from './auth/throttle.ts';
import type { PositionFeed } from '../lib/field/position-feed.ts';

/** What the API is built from; the process entry and the tests pass real instances. */
export interface ApiDeps {
  config: ResolvedConfig;
  logger: Logger;
  mongo: Connection;
  models: Models;
  temporal: Client;
  throttle: LoginThrottle;
  /**
   * The process's one keyring: the models encrypt personal fields through it, the Temporal client's payload codec
   * encrypts payloads through it; crypto-shredding goes through it.
   */
  keyring: Keyring;
  /** Accepted GPS positions for the console's live map; createApiServer provides one when not given. */
  positions?: PositionFeed;
}
