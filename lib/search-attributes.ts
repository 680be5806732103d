import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const accountIdKey = defineSearchAttributeKey('LoroAccountId', SearchAttributeType.KEYWORD);
