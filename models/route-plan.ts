import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';

export const ROUTE_PLAN_STATUSES = ['draft', 'approved', 'published', 'superseded'] as const;

const stopSchema = new Schema(
  {
    jobId: { type: String, required: true },
    arrival: { type: Date, required: true },
    start: { type: Date, required: true },
    departure: { type: Date, required: true },
    waitSeconds: { type: Number, default: 0 },
    fixed: { type: Boolean, default: false },
  },
  { _id: false },
);

const routeSchema = new Schema(
  {
    technicianId: { type: String, required: true },
    /** Leaves the start location / arrives at the end location (or leaves the last stop of an open route). */
    departure: { type: Date },
    arrival: { type: Date },
    stops: { type: [stopSchema], default: [] },
    distanceMeters: { type: Number, required: true },
    durationSeconds: { type: Number, required: true },
  },
  { _id: false },
);

/**
 * One version of a region's plan for a day. Stops name jobs, never places; the drawn geometry (it traces
 * customers' addresses) is personal data, one ciphertext per plan.
 */
const routePlanSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    region: { type: String, required: true },
    date: { type: String, required: true },
    version: { type: Number, required: true },
    status: { type: String, enum: ROUTE_PLAN_STATUSES, default: 'draft', required: true },
    /** True when durations came from the great-circle estimate rather than a road network. */
    estimated: { type: Boolean, required: true },
    routes: { type: [routeSchema], default: [] },
    unassigned: { type: [{ jobId: String, reason: String, _id: false }], default: [] },
    geometry: { type: Schema.Types.Mixed },
    /** The plan's figures (activities/field/planning.ts): no personal data. */
    totals: {
      distanceMeters: { type: Number },
      durationSeconds: { type: Number },
      travelSeconds: { type: Number },
      serviceSeconds: { type: Number },
      waitingSeconds: { type: Number },
    },
    /** Technicians planned (working that day). */
    technicians: { type: Number },
    /** Points the road network could not place (their jobs unassigned as unreachable). */
    unplaceablePoints: { type: Number, default: 0 },
    workflowId: { type: String },
    approvedBy: { type: String },
    approvedAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
routePlanSchema.index({ accountId: 1, region: 1, date: 1, version: -1 }, { unique: true });
routePlanSchema.plugin(personalData, { personalFields: ['geometry'], accountIdFrom: { path: 'accountId' } });

export type RoutePlanDoc = InferSchemaType<typeof routePlanSchema>;
export const routePlanModel = (conn: Connection) => conn.model('RoutePlan', routePlanSchema, 'route_plans');
