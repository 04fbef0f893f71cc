import express, { Router, type Request, type RequestHandler } from 'express';
import rateLimit from 'express-rate-limit';
import { asyncHandler } from '../http/async-handler.ts';
import type { TicketService, RepairApplication } from './tickets.ts';
import type { ComplaintInput, ObjectionInput } from './filing.ts';
import { checkEvidence, evidenceFromJson, type EvidenceFile, type EvidenceLimits } from './evidence.ts';
import { ticketUpload } from '../http/evidence-upload.ts';
import type { TicketType } from './ticket-types.ts';
import { validateBody } from '../http/validate-body.ts';

export interface PublicTicketRouteDeps {
  tickets: TicketService;
  /** Applications a client may file per minute (per address). */
  filesPerMinute: number;
  evidence: EvidenceLimits;
}

/** The fields of a multipart form as the JSON API names them (claimant.name may also come as claimantName). */
function fromForm(fields: Record<string, string>): Record<string, unknown> {
  return {
    ...fields,
    claimant: { name: fields['claimant.name'] ?? fields['claimantName'], phone: fields['claimant.phone'] ?? fields['claimantPhone'] },
  };
}

/** The body and the evidence files of a filing: JSON (files as base64 in `evidenceFiles`) or multipart/form-data. */
function filing(req: Request, limits: EvidenceLimits): { body: Record<string, unknown>; files: EvidenceFile[] } {
  if (req.ticketUpload) return { body: fromForm(req.ticketUpload.fields), files: checkEvidence(req.ticketUpload.files, limits) };
  const body = (req.body ?? {}) as Record<string, unknown>;
  return { body, files: evidenceFromJson(body['evidenceFiles'], limits) };
}

/**
 * The app's side of tickets (mounted at /public/v1, CONTRACT.md):
 *   POST /objections {recordId, subjectCode?, reason, description, claimant:{name,phone}, evidenceFiles?} → 201
 *   POST /complaints {subjectCode, sector?, description, claimant:{name,phone}, evidenceFiles?} → 201
 *   POST /repairs {recordId, claimant:{name,phone}, commitment, evidence, description?} → 201
 * each answering {ticket, status, due, ...}; evidence files as base64 (`[{name, type, content}]`) or the same
 * fields as multipart/form-data with the files under `evidenceFiles`. GET /objections/:ticket,
 * /complaints/:ticket, /repairs/:ticket (and /tickets/:ticket for any type) show the progress, never the claimant.
 */
export function publicTicketRoutes(d: PublicTicketRouteDeps): Router {
  const r = Router();
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: d.filesPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => { res.status(429).json({ error: { code: 'RATE_LIMITED', message: '提交过于频繁，请稍后再试', details: [] } }); },
  });
  // Base64 grows a file by a third; the text fields add at most a few kilobytes.
  const json = express.json({ limit: Math.ceil(d.evidence.maxTotalBytes * 1.4) + 64 * 1024 });
  const upload = ticketUpload(d.evidence, { maxFieldChars: 4000, maxFields: 20 });
  const multipart: RequestHandler = (req, res, next) => (req.is('multipart/form-data') ? upload(req, res, next) : next());

  r.post('/objections', limiter, json, multipart, validateBody('objection-request'), asyncHandler(async (req, res) => {
    const { body, files } = filing(req, d.evidence);
    res.status(201).json(await d.tickets.fileObjection(body as unknown as ObjectionInput, files));
  }));
  r.post('/complaints', limiter, json, multipart, validateBody('complaint-request'), asyncHandler(async (req, res) => {
    const { body, files } = filing(req, d.evidence);
    res.status(201).json(await d.tickets.fileComplaint(body as unknown as ComplaintInput, files));
  }));
  r.post('/repairs', limiter, express.json({ limit: '64kb' }), validateBody('repair-request'), asyncHandler(async (req, res) => {
    res.status(201).json(await d.tickets.fileRepair((req.body ?? {}) as RepairApplication));
  }));
  const show = (type?: TicketType) => asyncHandler(async (req, res) => {
    res.set('cache-control', 'no-store').json(await d.tickets.lookup(String(req.params['ticket']), type));
  });
  r.get('/objections/:ticket', show('objection'));
  r.get('/complaints/:ticket', show('complaint'));
  r.get('/repairs/:ticket', show('repair'));
  r.get('/tickets/:ticket', show());
  return r;
}
