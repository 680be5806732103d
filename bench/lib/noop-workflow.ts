/** The workflow-list benchmark's executions: each completes in its first workflow task, so 10,000 cost little to run. */
export async function benchNoop(): Promise<void> {}
