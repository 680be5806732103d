/**
 * Custom search attributes: business keys engineers search by. Registered on the dev server at start and
 * by `temporal operator search-attribute create` in production (see deploy/README.md).
 * Values are opaque IDs, never personal data.
 */
export const SEARCH_ATTRIBUTES = {
  LoroAccountId: 'Keyword',
  LoroLeadId: 'Keyword',
  LoroSequenceId: 'Keyword',
  LoroRegion: 'Keyword',
  LoroPlanDate: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
