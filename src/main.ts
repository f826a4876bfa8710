import 'reflect-metadata';
// First: when tracing is on, its instrumentations must hook http, express, pg and graphql before they load.
import './observability/tracing';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { serveGateway } from './bootstrap/serve-gateway';

// A start that fails ends with one line (serve-gateway.ts), not with the buffered logs and a stack trace.
serveGateway(() => NestFactory.create(AppModule.register(), { bodyParser: false, bufferLogs: true, autoFlushLogs: false, abortOnError: false }));
