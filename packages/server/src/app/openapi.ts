/**
 * The OpenAPI 3.1 document, built from the schemas the routes validate with, so the
 * published contract and the enforced one cannot drift apart.
 */
import type { RouteOptions } from 'fastify'
import { errorResponse } from './schemas.js'

interface RouteSchema {
  summary?: string
  description?: string
  tags?: string[]
  params?: JsonSchema
  querystring?: JsonSchema
  body?: JsonSchema
  success?: { status: number; description: string }
  /** Routes whose body is not JSON name its media type here (OpenAPI only). */
  consumes?: string[]
  /** Routes that answer something other than JSON (e.g. text/event-stream). */
  produces?: string[]
  /** Routes that need no key (signing in and out). */
  public?: boolean
}

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; required?: string[]; [k: string]: unknown }

export class OpenApiCollector {
  private readonly paths: Record<string, Record<string, unknown>> = {}

  /** Fastify `onRoute` hook: record every route under /api/v1 that has a schema. */
  readonly onRoute = (route: RouteOptions): void => {
    const schema = route.schema as RouteSchema | undefined
    if (!schema || !route.url.startsWith('/api/') || route.url.endsWith('openapi.json')) return
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD')
    // A trailing wildcard (an artifact file's path) is published as {path}.
    const path = route.url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\*$/, '{path}')
    this.paths[path] ??= {}
    const entry = this.paths[path]
    for (const method of methods) entry[method.toLowerCase()] = operation(schema)
  }

  document(version: string): unknown {
    return {
      openapi: '3.1.0',
      info: { title: 'Tally API', version, description: 'Experiment tracking: runs, metric series and spool ingest. See docs/api.md.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key tally_sk_…' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'tally_key', description: 'the dashboard session (POST /session)' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }, { cookie: [] }],
      paths: this.paths,
    }
  }
}

function parameters(where: 'path' | 'query', schema: JsonSchema | undefined): unknown[] {
  if (!schema?.properties) return []
  return Object.entries(schema.properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (schema.required ?? []).includes(name),
    schema: s,
  }))
}

function operation(schema: RouteSchema): unknown {
  const op: Record<string, unknown> = {
    parameters: [...parameters('path', schema.params), ...parameters('query', schema.querystring)],
    responses: responses(schema),
  }
  if (schema.summary) op.summary = schema.summary
  if (schema.description) op.description = schema.description
  if (schema.tags) op.tags = schema.tags
  // Signing in and out need no key beforehand.
  if (schema.public) op.security = []
  if (schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: schema.body } } }
  else if (schema.consumes) {
    op.requestBody = {
      required: true,
      content: Object.fromEntries(schema.consumes.map((c) => [c, { schema: { type: 'string', format: 'binary' } }])),
    }
  }
  return op
}

const ERROR = {
  description: 'An error: a stable code and a message saying what to do (docs/api.md)',
  content: { 'application/json': { schema: errorResponse } },
}

/** The route's success answer, then the errors every route may give. */
function responses(schema: RouteSchema): Record<string, unknown> {
  const { status = 200, description = 'OK' } = schema.success ?? {}
  const ok = status === 204 ? { description } : { description, content: { [schema.produces?.[0] ?? 'application/json']: {} } }
  return { [status]: ok, '4XX': ERROR, '503': ERROR }
}

declare module 'fastify' {
  interface FastifySchema {
    /** For the OpenAPI document only (not a response schema, so answers are never filtered). */
    success?: { status: number; description: string }
    summary?: string
    description?: string
    tags?: string[]
    consumes?: string[]
    produces?: string[]
    public?: boolean
  }
}
