/** Task queues: the worker polls these, clients start workflows on them. One place, so they never drift. */
export const TASK_QUEUES = {
  main: 'loro-main',
} as const;
