import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';

/** The gateway's OpenAPI document, built once at start (configure-app.ts), for answers cut from it. */
@Injectable()
export class OpenApiHost {
  document: OpenAPIObject | null = null;
}
