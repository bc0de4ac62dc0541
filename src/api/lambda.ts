/**
 * Query API Lambda entry point (query-api.zip, handler `index.handler`): the read-only query API behind a
 * function URL with IAM auth, when the stack's QueryApi parameter is enabled. Each request goes to the
 * same QueryApi that `cloudtrail-opensearch serve` answers with, so the routes, the JSON, the status codes
 * and the 400 messages are the ones docs/queries.md describes for both.
 *
 * Every request to the cluster has a deadline: REQUEST_TIMEOUT_MS, cut to what is left of the
 * invocation (less a reserve to answer in); when too little is left the caller gets a 504 rather than
 * the function timing out with no answer. A failure to reach the cluster is a 502 whose message says
 * what is wrong and which setting fixes it, as the other Lambdas' logs do. Each request is logged with
 * the caller's IAM ARN (who queried what), and counted in QueryApiRequests, QueryApiRefused (4xx) and
 * QueryApiFailed (5xx).
 */
import type { Client } from '@opensearch-project/opensearch';
import type { Context } from 'aws-lambda';
import { ConfigError, loadConnectionConfig, type ConnectionConfig } from '../config.js';
import { clientHttp, requestName, type HttpCaller } from '../http/request.js';
import { attemptTimeoutMs, OutOfTimeError, type TimeBudget } from '../http/retry.js';
import { lambdaTelemetry, type Telemetry } from '../observability/telemetry.js';
import { createClient } from '../opensearch/client.js';
import { errorMessage, LAMBDA_SETTINGS, lambdaErrorContext } from '../opensearch/errors.js';
import { QueryService } from '../query/queryService.js';
import {
  apiRequestOf,
  FUNCTION_URL_MAX_ANSWER_BYTES,
  functionUrlResult,
  type FunctionUrlEvent,
  type FunctionUrlResult,
} from './functionUrl.js';
import {
  errorAnswer,
  QueryApi,
  type ApiRequest,
  type ApiResponse,
  type QueryApiOptions,
} from './queryApi.js';

type Env = Record<string, string | undefined>;

/** What a cold start builds once: the settings and the client, or why the settings are wrong. */
type Runtime =
  | { telemetry: Telemetry; config: ConnectionConfig; client: Client; http: HttpCaller }
  | { telemetry: Telemetry; misconfigured: string };

export class QueryApiFunction {
  private runtime: Runtime | undefined;

  /** `apiOptions` override the API's bounds (the tests use a small byte bound). */
  constructor(
    private readonly env: Env,
    private readonly apiOptions: QueryApiOptions = {},
  ) {}

  async handle(
    event: FunctionUrlEvent,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<FunctionUrlResult> {
    const started = Date.now();
    const runtime = (this.runtime ??= this.build());
    const request = apiRequestOf(event);
    const answer =
      'misconfigured' in runtime
        ? errorAnswer(500, `the query API is misconfigured: ${runtime.misconfigured}`)
        : await this.answer(runtime, request, context);
    const { telemetry } = runtime;
    telemetry.metric('QueryApiRequests', 1);
    if (answer.status >= 400 && answer.status < 500) telemetry.metric('QueryApiRefused', 1);
    if (answer.status >= 500) telemetry.metric('QueryApiFailed', 1);
    const line = {
      method: request.method,
      path: request.path,
      query: event.rawQueryString ?? '',
      status: answer.status,
      durationMs: Date.now() - started,
      caller: event.requestContext?.authorizer?.iam?.userArn,
      sourceIp: event.requestContext?.http?.sourceIp,
    };
    if (answer.status >= 500)
      telemetry.log.error('query API request failed', { ...line, answer: answer.body });
    else telemetry.log.info('query API request', line);
    telemetry.flush();
    return functionUrlResult(answer, request.method);
  }

  private build(): Runtime {
    let config: ConnectionConfig;
    try {
      config = loadConnectionConfig(this.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The log level may be the bad setting: the problem is logged at the default level.
      return {
        telemetry: lambdaTelemetry('cloudtrail-query-api', 'INFO'),
        misconfigured: errorMessage(error, { settings: LAMBDA_SETTINGS }),
      };
    }
    const client = createClient(config);
    return {
      telemetry: lambdaTelemetry('cloudtrail-query-api', config.logLevel),
      config,
      client,
      http: clientHttp(client, { timeoutMs: config.requestTimeoutMs }),
    };
  }

  private async answer(
    runtime: Extract<Runtime, { config: ConnectionConfig }>,
    request: ApiRequest,
    context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  ): Promise<ApiResponse> {
    const { config, client } = runtime;
    const budget: TimeBudget = {
      requestTimeoutMs: config.requestTimeoutMs,
      remainingTimeMs: context ? () => context.getRemainingTimeInMillis() : () => Infinity,
    };
    const service = new QueryService(withinBudget(runtime.http, budget), { indexPrefix: config.indexPrefix });
    const api = new QueryApi(service, {
      maxResponseBytes: FUNCTION_URL_MAX_ANSWER_BYTES,
      ...this.apiOptions,
    });
    try {
      return await api.handle(request);
    } catch (error) {
      if (error instanceof OutOfTimeError)
        return errorAnswer(504, `the function ran out of time before the cluster answered: ${error.message}`);
      return errorAnswer(
        502,
        `the cluster did not answer the query: ${errorMessage(error, lambdaErrorContext(client))}`,
      );
    }
  }
}

/** Each request's deadline: the configured one, cut to what is left of the invocation. */
function withinBudget(http: HttpCaller, budget: TimeBudget): HttpCaller {
  return {
    request: (request, limits) =>
      http.request(request, { ...limits, timeoutMs: attemptTimeoutMs(budget, requestName(request)) }),
  };
}

/** The deployed function: one instance per cold start, its settings read from the environment. */
const deployed = new QueryApiFunction(process.env);

export function handler(event: FunctionUrlEvent, context?: Context): Promise<FunctionUrlResult> {
  return deployed.handle(event, context);
}
