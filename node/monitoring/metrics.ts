import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerCollectors, type CollectorDeps } from './collectors.ts';

export interface NodeMetricsDeps extends CollectorDeps {
  role: string;
  region: string;
}

/** One finished HTTP request as the request middleware saw it (node/http/request-id.ts). */
export interface FinishedRequest {
  method: string;
  /** The route pattern (`/api/v1/records/:id`), never the raw path. */
  route: string;
  status: number;
  seconds: number;
}

export type ExchangeWay = 'in' | 'out';
export type ExchangeDirection = 'up' | 'down';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * The metrics of one node in a registry of its own (several nodes share a process in tests and the demo):
 * counters and the latency histogram fed as things happen, and gauges read from the store at scrape time
 * (collectors.ts). Names start with `credit_node_`; labels never carry a record, subject or ticket identifier.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status_class'>;
  private readonly errors: Counter<'code'>;
  private readonly batches: Counter<'way' | 'direction'>;
  private readonly events: Counter<'way' | 'direction'>;
  private processMetrics = false;

  constructor(deps: NodeMetricsDeps) {
    const registers = [this.registry];
    this.requests = new Histogram({
      name: 'credit_node_http_request_duration_seconds', help: 'HTTP request latency by method, route pattern and status class',
      labelNames: ['method', 'route', 'status_class'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    });
    this.errors = new Counter({ name: 'credit_node_errors_total', help: 'Error responses by error code (the error handler)', labelNames: ['code'], registers });
    this.batches = new Counter({
      name: 'credit_node_exchange_batches_total',
      help: 'Exchange batches: way=in/out, direction=up/down (in+up: accepted from children; out+down: down answers served to children; out+up and in+down: this node\'s sync with its parent)',
      labelNames: ['way', 'direction'], registers,
    });
    this.events = new Counter({ name: 'credit_node_exchange_events_total', help: 'Events in the batches this node exchanged with its parent (way=out: sent up, way=in: received down)', labelNames: ['way', 'direction'], registers });
    new Gauge({ name: 'credit_node_info', help: 'This node: id, role and region (always 1)', labelNames: ['node', 'role', 'region'], registers }).set({ node: deps.nodeId, role: deps.role, region: deps.region }, 1);
    registerCollectors(this.registry, deps);
    const pending = () => this.projection;
    new Gauge({
      name: 'credit_node_projection_pending', help: 'Received record and ticket events stored but not yet projected into rows (a large intake is projected after it)', registers,
      async collect() {
        const source = pending();
        if (source) this.set(await source());
      },
    });
  }

  private projection: (() => Promise<number>) | undefined;

  /** Where the projection backlog is read (the exchange service, built after the metrics). */
  watchProjection(source: () => Promise<number>): void {
    this.projection = source;
  }

  /** Called once per finished request; the exchange answers also count batches (child → here, here → child). */
  observeRequest(r: FinishedRequest): void {
    const method = METHODS.has(r.method) ? r.method : 'OTHER';
    this.requests.observe({ method, route: r.route, status_class: `${Math.floor(r.status / 100)}xx` }, r.seconds);
    if (r.status < 200 || r.status >= 300) return;
    if (method === 'POST' && r.route === '/exchange/v1/up') this.batches.inc({ way: 'in', direction: 'up' });
    else if (method === 'GET' && r.route === '/exchange/v1/down') this.batches.inc({ way: 'out', direction: 'down' });
  }

  /** Called by the error handler with the code it answered. */
  countError(code: string): void {
    this.errors.inc({ code: CODE.test(code) ? code : 'OTHER' });
  }

  /** The sync client's hook: one batch sent up to the parent (out, up) or received down from it (in, down). */
  readonly exchangeBatch = (way: ExchangeWay, direction: ExchangeDirection, events: number): void => {
    this.batches.inc({ way, direction });
    if (events > 0) this.events.inc({ way, direction }, events);
  };

  /** The Prometheus text exposition. Process metrics (CPU, memory, event loop) start with the first scrape. */
  async render(): Promise<{ contentType: string; body: string }> {
    if (!this.processMetrics) {
      // Started lazily: a command that opens the node never scrapes, and the collectors cannot be stopped again.
      collectDefaultMetrics({ register: this.registry, prefix: 'credit_node_' });
      this.processMetrics = true;
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
