import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const accountIdKey = defineSearchAttributeKey('LoroAccountId', SearchAttributeType.KEYWORD);
export const leadIdKey = defineSearchAttributeKey('LoroLeadId', SearchAttributeType.KEYWORD);
export const sequenceIdKey = defineSearchAttributeKey('LoroSequenceId', SearchAttributeType.KEYWORD);
export const regionKey = defineSearchAttributeKey('LoroRegion', SearchAttributeType.KEYWORD);
export const planDateKey = defineSearchAttributeKey('LoroPlanDate', SearchAttributeType.KEYWORD);
