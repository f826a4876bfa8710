import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiQuery } from '@nestjs/swagger';

export const PurposeHeader = () =>
  ApiHeader({ name: 'X-Purpose', required: false, description: "Why you ask (e.g. replenishment-planning); required for partners unless the token carries a purpose claim" });

export const IdempotencyHeader = () =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes a retried write safe: a replay returns the first answer and writes nothing' });

export const ListQueries = (example: string) =>
  applyDecorators(
    PurposeHeader(),
    ApiQuery({ name: 'fields', required: false, description: 'Comma-separated fields to return (default: every field you may read)', example }),
    ApiQuery({ name: 'limit', required: false, description: "Page size (default 100, at most your policy's maxPageSize)" }),
    ApiQuery({ name: 'cursor', required: false, description: 'meta.nextCursor of the previous page' }),
    ApiQuery({ name: 'filters', required: false, description: 'Any readable field as an equality filter, e.g. ?sku=SKU-100', style: 'form', explode: true, type: 'object' }),
  );
