import type { Logger } from 'pino';
import type { NotificationsConfig } from '../config/types.ts';
import { ConfigInvalid } from '../errors.ts';
import { maskContact, scrub } from './mask.ts';
import type { Notification } from './outbox.ts';

/**
 * Where notifications go. A sender throws when a notification was not delivered; the dispatcher then tries
 * again later. Its error messages are stored and shown to operators, so they never carry the contact.
 */
export interface NotificationSender {
  readonly name: string;
  send(n: Notification): Promise<void>;
}

/**
 * The default: one info line per notification in the node's log, the claimant's phone and name masked. Nothing
 * reaches the claimant; the log shows operators what would have been sent.
 */
export class LogSender implements NotificationSender {
  readonly name = 'log';

  constructor(private readonly log: Logger) {}

  async send(n: Notification): Promise<void> {
    this.log.info({
      notification: n.id, ticket: n.ticket, version: n.version, audience: n.audience, recipient: n.recipient,
      ...(n.unit ? { unit: n.unit } : {}),
      ...(n.contact ? { contact: maskContact(n.contact) } : {}),
      event: n.event, title: scrub(n.title, n.contact),
    }, 'notification');
  }
}

/** What a gateway receives: the whole notification, the claimant's contact unmasked (it must reach them). */
export interface WebhookPayload {
  id: number;
  ticket: string;
  version: number;
  audience: string;
  recipient: string;
  unit: string | null;
  contact: { name: string; phone: string } | null;
  event: string;
  title: string;
  message: string;
  createdAt: string;
}

export function webhookPayload(n: Notification): WebhookPayload {
  return {
    id: n.id, ticket: n.ticket, version: n.version, audience: n.audience, recipient: n.recipient, unit: n.unit ?? null,
    contact: n.contact ?? null, event: n.event, title: n.title, message: n.message, createdAt: n.createdAt,
  };
}

export interface WebhookOptions {
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

/**
 * POSTs each notification as JSON to a gateway (an SMS or e-mail service the node's operator runs). Any answer
 * but 2xx, a timeout or a refused connection is an error and the dispatcher tries again. The gateway may get a
 * notification twice (at-least-once): `id` is stable, deduplicate by it.
 */
export class WebhookSender implements NotificationSender {
  readonly name = 'webhook';
  private readonly timeoutMs: number;

  constructor(private readonly url: string, opts: WebhookOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async send(n: Notification): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
        body: JSON.stringify(webhookPayload(n)),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new Error(fetchFailure(err, this.timeoutMs));
    }
    // The body is drained, not read into the error: a gateway may echo the request and with it the contact.
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new Error(`通知网关答复 HTTP ${res.status}`);
  }
}

function fetchFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string; name?: string } } | null;
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return `通知网关 ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} 秒` : `${timeoutMs} 毫秒`}内未答复`;
  const code = e?.cause?.code;
  return `无法连接通知网关${code ? `（${code}）` : ''}`;
}

/**
 * The sender the config names (config `notifications`): the log by default, a webhook with `webhookUrl`.
 * CONFIG_INVALID when a webhook has no usable address, so the node stops before it serves.
 */
export function senderFor(cfg: NotificationsConfig, log: Logger): NotificationSender {
  if (cfg.sender === 'log') return new LogSender(log);
  const url = cfg.webhookUrl;
  let ok = false;
  try { ok = url !== undefined && ['http:', 'https:'].includes(new URL(url).protocol); } catch { ok = false; }
  if (!ok) {
    throw new ConfigInvalid('通知发送方式为 webhook 时须填写通知网关地址 notifications.webhookUrl（http 或 https）', [
      { path: 'notifications.webhookUrl', message: '须为 http:// 或 https:// 开头的地址' },
    ]);
  }
  return new WebhookSender(url as string);
}
