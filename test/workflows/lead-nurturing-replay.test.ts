/**
 * Running enrollments survive a deploy: a history written by earlier LeadNurturing code replays on the current
 * bundle without a nondeterminism error. Each fixture is a real history from the time-skipping server (payloads
 * decoded: IDs and the plan only), recorded with the code its name describes; a change that breaks one needs a
 * version switch in the workflow (`patched`, or the input's shape as for the plan), not a new fixture.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundleConverterOptions } from '../../lib/crypto/data-converter.ts';

const { History } = proto.temporal.api.history.v1;

async function replay(fixture: string) {
  const { workflowId, history } = JSON.parse(await readFile(new URL(`../fixtures/histories/${fixture}`, import.meta.url), 'utf8')) as { workflowId: string; history: object };
  const events = History.fromObject(history);
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: workflowBundleConverterOptions }, events, workflowId);
  return events.events.length;
}

describe('LeadNurturing histories of earlier versions', () => {
  // Both: mail, wait 2 days, mail in Tokyo's window (the second mail waits for the window on a second timer).
  it('replays an enrollment started before 2026-11-26: plan loaded by an activity, a reserveSendSlot before each mail', async () => {
    expect(await replay('lead-nurturing-plan-loaded.json')).toBe(21);
  });

  it('replays an enrollment with its plan in the input: one local activity per mail, taking the send slot itself', async () => {
    expect(await replay('lead-nurturing-plan-in-input.json')).toBe(18);
  });
});
