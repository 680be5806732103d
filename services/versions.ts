/** Pinned versions of the local services. Bump here; the cache is keyed by these. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const FERRETDB_VERSION = 'v1.24.2';
/** Our patches on top of FERRETDB_VERSION (services/build.ts: FERRETDB_PATCHES); part of the cache key. */
export const FERRETDB_PATCH_LEVEL = 'loro.5';
export const TEMPORAL_TEST_SERVER_VERSION = '1.32.1';
export const SLF4J_NOP_VERSION = '2.0.16';
