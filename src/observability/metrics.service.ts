import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of this process, on a registry of its own (tests start many apps in one process). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Duration of HTTP requests by transport, route and status; GraphQL requests also by operation_type (query, mutation, subscription, unknown)',
    labelNames: ['transport', 'route', 'status', 'operation_type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly auditEvents = new Counter({
    name: 'gateway_audit_events_total',
    help: 'Audit events committed, by decision',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });

  readonly auditBatchSize = new Histogram({
    name: 'gateway_audit_group_commit_size',
    help: 'Events per audit group commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  readonly decisions = new Counter({
    name: 'gateway_access_decisions_total',
    help: 'Access decisions by partner, subject and decision',
    labelNames: ['partner', 'subject', 'decision'] as const,
    registers: [this.registry],
  });

  readonly shadowEvaluations = new Counter({
    name: 'gateway_shadow_evaluations_total',
    help: 'Requests judged again by a candidate policy in shadow mode, by partner and outcome (same, differing, error, skipped)',
    labelNames: ['partner', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly rateLimitFallback = new Gauge({
    name: 'gateway_rate_limit_fallback',
    help: '1 while Redis cannot be reached and request quotas are counted per replica, else 0',
    registers: [this.registry],
  });

  readonly rateLimitFallbackRequests = new Counter({
    name: 'gateway_rate_limit_fallback_requests_total',
    help: 'Requests whose quota was counted by this replica alone because Redis could not be reached',
    registers: [this.registry],
  });

  // Logistics pushes (single events, batches, EPCIS captures): data quality per partner.

  readonly pushEvents = new Counter({
    name: 'gateway_push_events_total',
    help: 'Pushed tracking events by partner, source (event|batch|epcis) and outcome (accepted|refused|duplicate)',
    labelNames: ['partner', 'source', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly pushRefusals = new Counter({
    name: 'gateway_push_refusals_total',
    help: 'Refused pushed events by partner, source and refusal code',
    labelNames: ['partner', 'source', 'code'] as const,
    registers: [this.registry],
  });

  readonly pushLate = new Counter({
    name: 'gateway_push_late_events_total',
    help: 'Accepted events that occurred more than DATA_QUALITY_LATE_AFTER_HOURS before they were received',
    labelNames: ['partner', 'source'] as const,
    registers: [this.registry],
  });

  readonly pushOutOfOrder = new Counter({
    name: 'gateway_push_out_of_order_events_total',
    help: "Accepted events older than their shipment's last event when they arrived",
    labelNames: ['partner', 'source'] as const,
    registers: [this.registry],
  });

  readonly pushLag = new Histogram({
    name: 'gateway_push_event_lag_seconds',
    help: 'Time from occurredAt to receipt of accepted events, by partner',
    labelNames: ['partner'] as const,
    buckets: [60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 3 * 86400, 7 * 86400],
    registers: [this.registry],
  });

  readonly pushLastAccepted = new Gauge({
    name: 'gateway_push_last_accepted_timestamp_seconds',
    help: 'When this process last accepted a pushed event from the partner (Unix time): freshness',
    labelNames: ['partner'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
