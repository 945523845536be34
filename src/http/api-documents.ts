import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import { parse } from 'yaml';
import type { Settings } from '../config/settings';
import { packageRoot } from '../lifecycle/package-root';
import { renderReference, type OpenApiDocument } from './reference-page';

/** The OpenAPI document ships as YAML next to this code (src/ is part of the package). */
export const OPENAPI_FILE = path.join(packageRoot(), 'src', 'http', 'openapi.yaml');

export function readOpenApi(): { text: string; document: OpenApiDocument } {
  const text = readFileSync(OPENAPI_FILE, 'utf8');
  return { text, document: parse(text) as OpenApiDocument };
}

/** `/api/openapi.yaml` and the HTML reference at `/api/` and `/api/reference`. */
export function apiDocuments(settings: Settings) {
  let cached: { yaml: string; html: string } | null = null;
  const load = (): { yaml: string; html: string } => {
    if (!cached) {
      const { text, document } = readOpenApi();
      const prefix = settings.server.prefix;
      // Server URLs carry the deployment prefix, so tools built from the document reach the API.
      const yaml = prefix ? text.replace(/^( {2}- url: )\/api/gm, `$1${prefix}/api`) : text;
      cached = { yaml, html: renderReference(document, prefix) };
    }
    return cached;
  };
  return {
    openapi: (_req: Request, res: Response): void => {
      res.type('application/yaml; charset=utf-8').send(load().yaml);
    },
    reference: (_req: Request, res: Response): void => {
      // Everything is inline and nothing is fetched from anywhere: no scripts at all.
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      res.type('text/html; charset=utf-8').send(load().html);
    },
  };
}
