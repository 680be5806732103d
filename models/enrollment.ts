import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Lead nurturing records, all keyed by opaque IDs (no personal data):
 * - enrollments: one per nurturing workflow (`_id` = its workflow ID), so an opt-out finds every running
 *   enrollment of a lead without a visibility query;
 * - engagement events: one per enrollment, step and kind (`_id` = `<workflowId>:<stepId>:<kind>`), so a pixel
 *   loaded twice counts once for the score;
 * - nurturing messages: Message-ID → enrollment and step, for the reply and bounce webhooks;
 * - sales tasks created by task steps (the title is the template, rendered when shown);
 * - send slots: the per-account token bucket of activities/nurturing/throttle.ts.
 */
export const ENROLLMENT_STATUSES = ['running', 'completed', 'goal-reached', 'stopped'] as const;

const enrollmentSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    leadId: { type: String, required: true },
    sequenceId: { type: String, required: true },
    version: { type: Number, required: true },
    runId: { type: String, required: true },
    status: { type: String, enum: ENROLLMENT_STATUSES, required: true, default: 'running' },
    enrolledBy: { type: String },
    outcome: { type: Schema.Types.Mixed },
    endedAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
enrollmentSchema.index({ accountId: 1, leadId: 1, status: 1 });
enrollmentSchema.index({ sequenceId: 1, status: 1 });

const engagementEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    leadId: { type: String, required: true },
    enrollmentId: { type: String, required: true },
    stepId: { type: String, required: true },
    kind: { type: String, enum: ['opened', 'clicked', 'replied', 'bounced'], required: true },
    scoreDelta: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
engagementEventSchema.index({ accountId: 1, leadId: 1, kind: 1 });

const nurturingMessageSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    leadId: { type: String, required: true },
    enrollmentId: { type: String, required: true },
    stepId: { type: String, required: true },
    category: { type: String, required: true },
    sentAt: { type: Date, required: true },
  },
  { versionKey: false },
);

const salesTaskSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    leadId: { type: String, required: true },
    enrollmentId: { type: String, required: true },
    stepId: { type: String, required: true },
    titleTemplate: { type: String, required: true },
    assigneeUserId: { type: String },
    dueAt: { type: Date },
    doneAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
salesTaskSchema.index({ accountId: 1, assigneeUserId: 1, doneAt: 1 });

const sendSlotSchema = new Schema(
  {
    _id: { type: String, required: true },
    nextSlotAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export type EnrollmentDoc = InferSchemaType<typeof enrollmentSchema>;
export type EngagementEventDoc = InferSchemaType<typeof engagementEventSchema>;
export const enrollmentModel = (conn: Connection) => conn.model('Enrollment', enrollmentSchema, 'enrollments');
export const engagementEventModel = (conn: Connection) => conn.model('EngagementEvent', engagementEventSchema, 'engagement_events');
export const nurturingMessageModel = (conn: Connection) => conn.model('NurturingMessage', nurturingMessageSchema, 'nurturing_messages');
export const salesTaskModel = (conn: Connection) => conn.model('SalesTask', salesTaskSchema, 'sales_tasks');
export const sendSlotModel = (conn: Connection) => conn.model('SendSlot', sendSlotSchema, 'send_slots');
