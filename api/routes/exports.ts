/**
 * Data exports over HTTP: request one for an account (portability), follow it, and download it through a signed,
 * expiring link that needs no sign-in (it goes out in mail). Every refused download is audited with the reason.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { exportDownloadPath, type ExportSummary } from '../../contracts/exports.ts';
import { idParamsSchema, problemSchema } from '../../schemas/common.ts';
import { accountExportParamsSchema, downloadQuerySchema, exportIdParamsSchema, exportListSchema, exportSummarySchema, startExportResponseSchema } from '../../schemas/exports.ts';
import type { DataExportDoc } from '../../models/data-export.ts';
import type { dataExport } from '../../workflows/data-export.ts';
import { accountIdKey } from '../../lib/search-attributes.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { createLinkSigner, LinkRefusedError } from '../../lib/signed-links.ts';
import { KeyDestroyedError } from '../../lib/crypto/errors.ts';
import { ensureExportRecord, markExportFailed, newExportId, openExportDownload } from '../../lib/exports/store.ts';
import { ExportArchiveCorruptError, ExportNotAvailableError } from '../../lib/exports/errors.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import { conflict, forbidden, HttpProblem, notFound, unavailable } from '../problem.ts';
import { defineRoute } from './registry.ts';

const OPS = ['ops', 'admin'] as const;
const STAFF = ['ops', 'engineer', 'admin'] as const;
const EXPORTABLE = new Set(['active', 'cancellation-pending']);

type ExportRecord = Omit<DataExportDoc, 'contentKey'> & { _id: string; createdAt: Date };


/** The summary the API and the socket feed send; `downloadUrl` only when a signer is given and the export is ready. */
export async function toExportSummary(record: ExportRecord, links?: ReturnType<typeof createLinkSigner>, now = new Date()): Promise<ExportSummary> {
  const processed = record.progress?.processed ?? 0;
  const total = record.progress?.total ?? 0;
  const ready = record.status === 'ready' && record.expiresAt && record.expiresAt > now;
  return {
    exportId: record._id,
    accountId: record.accountId,
    reason: record.reason as ExportSummary['reason'],
    status: record.status as ExportSummary['status'],
    progress: { processed, total, percent: record.status === 'ready' ? 100 : total ? Math.min(100, Math.round((processed / total) * 1000) / 10) : 0 },
    records: record.records ?? null,
    bytes: record.bytes ?? null,
    sha256: record.sha256 ?? null,
    counts: (record.counts as Record<string, number> | undefined) ?? null,
    createdAt: record.createdAt.toISOString(),
    completedAt: record.completedAt?.toISOString() ?? null,
    expiresAt: record.expiresAt?.toISOString() ?? null,
    downloadUrl: ready && links ? exportDownloadPath(record._id, await links.sign({ purpose: 'download-export', subject: record._id, expiresAt: record.expiresAt! })) : null,
  };
}

export const exportRoutes = ({ models, temporal, config, keyring }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  const links = createLinkSigner(keyring);
  const find = (filter: Record<string, unknown>) => models.DataExport.find(filter).select('-contentKey').sort({ createdAt: -1 }).lean<ExportRecord[]>();

  return [
    defineRoute({
      method: 'post',
      path: '/api/accounts/:id/exports',
      summary: 'Export an account’s data (portability): starts the DataExport workflow, or answers with the one under way',
      tag: 'exports',
      access: { roles: OPS, scope: 'accounts:write' },
      params: idParamsSchema,
      responses: {
        202: { description: 'started', schema: startExportResponseSchema },
        200: { description: 'an export of this account is already under way', schema: startExportResponseSchema },
        404: { description: 'no such account', schema: problemSchema },
        409: { description: 'the account can no longer be exported (purged)', schema: problemSchema },
        503: { description: 'Temporal unavailable', schema: problemSchema },
      },
      async handler({ params, principal, res, req }) {
        const actor = actorOf(principal);
        const account = await models.Account.findById(params.id).select('status').lean();
        if (!account) throw notFound(`No account ${params.id}`);
        if (!EXPORTABLE.has(account.status)) {
          await audit.append({ actor, action: 'export.refused', target: { type: 'account', id: params.id }, details: { reason: `account-${account.status}` } });
          throw conflict(`Account ${params.id} is ${account.status}: its data can no longer be exported`);
        }
        const [underWay] = await find({ accountId: params.id, status: { $in: ['queued', 'running'] } });
        if (underWay) {
          res.status(200).json({ exportId: underWay._id, workflowId: workflowIds.dataExport(params.id, underWay._id), status: underWay.status });
          return;
        }
        const exportId = newExportId();
        const requestedBy = actor.id ?? 'unknown';
        await ensureExportRecord(models, { exportId, accountId: params.id, reason: 'portability', requestedBy });
        const workflowId = workflowIds.dataExport(params.id, exportId);
        try {
          await temporal.workflow.start<typeof dataExport>('dataExport', {
            taskQueue: config.temporal.taskQueue,
            workflowId,
            args: [{ accountId: params.id, exportId, reason: 'portability', requestedBy }],
            typedSearchAttributes: [{ key: accountIdKey, value: params.id }],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
            await markExportFailed(models, exportId, 'NotStarted');
            req.log.error({ err, accountId: params.id, exportId }, 'could not start the data export');
            throw unavailable('The workflow engine did not accept the export; please retry');
          }
        }
        await audit.append({ actor, action: 'export.requested', target: { type: 'account', id: params.id }, details: { exportId, reason: 'portability' } });
        res.status(202).json({ exportId, workflowId, status: 'queued' });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/accounts/:id/exports',
      summary: 'The exports of an account, newest first, with progress and signed download links',
      tag: 'exports',
      access: { roles: STAFF, scope: 'accounts:read' },
      params: idParamsSchema,
      responses: { 200: { description: 'exports', schema: exportListSchema }, 404: { description: 'no such account', schema: problemSchema } },
      async handler({ params }) {
        if (!(await models.Account.exists({ _id: params.id }))) throw notFound(`No account ${params.id}`);
        const records = await find({ accountId: params.id });
        return { exports: await Promise.all(records.map((r) => toExportSummary(r, links))) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/accounts/:id/exports/:exportId',
      summary: 'One export: status, progress, counts, checksum and its signed download link',
      tag: 'exports',
      access: { roles: STAFF, scope: 'accounts:read' },
      params: accountExportParamsSchema,
      responses: { 200: { description: 'the export', schema: exportSummarySchema }, 404: { description: 'no such export', schema: problemSchema } },
      async handler({ params }) {
        const [record] = await find({ _id: params.exportId, accountId: params.id });
        if (!record) throw notFound(`No export ${params.exportId} of account ${params.id}`);
        return toExportSummary(record, links);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/exports/:exportId/download',
      summary: 'Download an export (ZIP) through its signed link; no sign-in. Expired or forged links get 403',
      tag: 'exports',
      access: { roles: 'public' },
      params: exportIdParamsSchema,
      query: downloadQuerySchema,
      responses: {
        200: { description: 'the ZIP archive, decrypted as it streams', contentType: 'application/zip' },
        403: { description: 'the link is forged, expired or not a download link', schema: problemSchema },
        410: { description: 'the export expired or can no longer be decrypted (the account was erased)', schema: problemSchema },
      },
      async handler({ params, query, principal, res, req }) {
        const actor = actorOf(principal);
        const target = { type: 'data-export', id: params.exportId };
        const refuse = async (reason: string, problem: HttpProblem) => {
          await audit.append({ actor, action: 'export.download-refused', target, details: { reason } });
          throw problem;
        };
        let subject: string;
        try {
          subject = (await links.verify(query.token, 'download-export')).subject;
        } catch (err) {
          if (err instanceof LinkRefusedError) return refuse(err.reason, forbidden(`This download link is ${err.reason === 'expired' ? 'expired' : 'not valid'}`));
          if (err instanceof SyntaxError) return refuse('forged', forbidden('This download link is not valid'));
          throw err;
        }
        if (subject !== params.exportId) return refuse('wrong-export', forbidden('This download link is not valid'));
        let download;
        try {
          download = await openExportDownload(models, params.exportId);
        } catch (err) {
          if (err instanceof ExportNotAvailableError) {
            return refuse(`export-${err.status}`, err.status === 'expired' ? new HttpProblem(410, 'export-expired', 'Export expired', `Export ${params.exportId} has expired`) : conflict(`Export ${params.exportId} is not ready (${err.status})`));
          }
          if (err instanceof KeyDestroyedError) return refuse('key-destroyed', new HttpProblem(410, 'export-unreadable', 'Export erased', `Export ${params.exportId} can no longer be decrypted: the account's data was erased`));
          if (err instanceof ExportArchiveCorruptError) return refuse(`archive-${err.reason}`, new HttpProblem(500, 'export-corrupt', 'Export damaged', `The stored archive of ${params.exportId} is damaged; request a new export`));
          throw err;
        }
        await audit.append({ actor, action: 'export.downloaded', target, details: { accountId: download.accountId, bytes: download.bytes } });
        res.status(200).set({
          'content-type': 'application/zip',
          'content-length': String(download.bytes),
          'content-disposition': `attachment; filename="loro-export-${params.exportId}.zip"`,
          'cache-control': 'no-store',
          'x-content-sha256': download.sha256,
        });
        download.stream.on('error', (err) => {
          // Headers are out: all that is left is to cut the response short, so the client sees it incomplete.
          req.log.error({ err: { name: err.name, message: err.message }, exportId: params.exportId }, 'export download failed mid-stream');
          res.destroy(err);
        });
        download.stream.pipe(res);
        await new Promise<void>((resolve) => res.on('close', resolve));
      },
    }),
  ];
};
