import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { ErrorCode, ErrorType } from '../../shared/domain/error-codes.js';
import { RATE_LIMIT_WINDOW_SECONDS } from '../../shared/domain/rate-limits.js';
import { routes, type ApiFunctionName } from '../definitions/routes.js';

export interface PaymentApiProps {
  /** The Lambda behind each handler name of infra/definitions/routes.ts. */
  readonly handlers: Readonly<Record<ApiFunctionName, lambda.IFunction>>;
  /** Steady-state requests per second for the stage. Default 500. */
  readonly throttlingRateLimit?: number;
  /** Burst for the stage. Default 1000. */
  readonly throttlingBurstLimit?: number;
  /**
   * Per-method limit of each unsigned route (the hosted checkout): anyone can call those, so they get a budget of
   * their own below the stage's. Default 100 requests per second, burst 200.
   */
  readonly publicThrottling?: { readonly rateLimit: number; readonly burstLimit: number };
  /** Optional custom domain (e.g. api.eu.pay.example) with its ACM certificate in the same region. Default none. */
  readonly domain?: { readonly domainName: string; readonly certificate: acm.ICertificate };
  /**
   * The WAF web ACL (regional) associated with the stage: the platform stack's, with the per-merchant rate limits
   * (infra/cdk/rate-limits.ts). Its blocks are answered 429 rate_limited (WAF_FILTERED below). Default none.
   */
  readonly webAclArn?: string;
  /** Default one year: access logs are the audit trail of who called what. */
  readonly accessLogRetention?: logs.RetentionDays;
}

/** The API's error body (docs/api.md, "Errors") for responses API Gateway produces itself. */
const gatewayErrorTemplate = (code: ErrorCode, message: string, type: ErrorType = 'invalid_request') => ({
  'application/json': JSON.stringify({
    error: { type, code, message, requestId: '$context.requestId' },
  }),
});

/**
 * The merchant API: a regional REST API whose routes come from the same table the local gateway serves. Merchants
 * authenticate by signing each request (verified in the handler against the KMS-sealed merchant secret), so methods
 * carry no API Gateway authorizer.
 */
export class PaymentApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;
  static readonly STAGE = 'live';

  constructor(scope: Construct, id: string, props: PaymentApiProps) {
    super(scope, id);
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'Payment platform merchant API',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      disableExecuteApiEndpoint: props.domain !== undefined,
      deployOptions: {
        stageName: PaymentApi.STAGE,
        throttlingRateLimit: props.throttlingRateLimit ?? 500,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 1000,
        methodOptions: Object.fromEntries(
          routes
            .filter((route) => !route.signed)
            .map((route) => [
              `${route.path}/${route.method}`,
              {
                throttlingRateLimit: props.publicThrottling?.rateLimit ?? 100,
                throttlingBurstLimit: props.publicThrottling?.burstLimit ?? 200,
                // A method's settings replace the stage's for that method: keep its logging and metrics.
                loggingLevel: apigw.MethodLoggingLevel.ERROR,
                metricsEnabled: true,
              },
            ]),
        ),
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
    });

    const integrations = new Map<ApiFunctionName, apigw.LambdaIntegration>();
    for (const route of routes) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new apigw.LambdaIntegration(props.handlers[route.handler], {
          proxy: true,
          // Just under API Gateway's 29 s: the function's own timeout is lower, this is the backstop. On a streamed
          // route it bounds the time to the first byte; the body may then flow for up to 15 minutes (decisions, 180).
          timeout: Duration.seconds(29),
          ...(route.stream ? { responseTransferMode: apigw.ResponseTransferMode.STREAM } : {}),
        });
        integrations.set(route.handler, integration);
      }
      // The operations API: API Gateway checks the caller's SigV4 signature against IAM before the function runs.
      const authorization = route.iam ? { authorizationType: apigw.AuthorizationType.IAM } : undefined;
      this.api.root.resourceForPath(route.path).addMethod(route.method, integration, authorization);
    }

    // Responses API Gateway writes itself, in the contract's error shape (as the local gateway does).
    this.api.addGatewayResponse('RouteNotFound', {
      type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: '404',
      templates: gatewayErrorTemplate('route_not_found', 'No such route.'),
    });
    this.api.addGatewayResponse('TooLarge', {
      type: apigw.ResponseType.REQUEST_TOO_LARGE,
      statusCode: '413',
      templates: gatewayErrorTemplate('body_too_large', 'The request body is too large.'),
    });
    this.api.addGatewayResponse('Throttled', {
      type: apigw.ResponseType.THROTTLED,
      statusCode: '429',
      responseHeaders: { 'Retry-After': "'1'" },
      templates: gatewayErrorTemplate('rate_limited', 'Too many requests; retry with backoff.', 'rate_limit'),
    });

    // A request the web ACL blocked: its only blocking rules are the merchant rate limits (decisions, 225). Retry-After
    // is the window: WAF lifts a block when the merchant's rate over the last minute is back under its limit, so one
    // window is always enough; the local gateway, which knows its counts, answers the exact wait.
    this.api.addGatewayResponse('WafFiltered', {
      type: apigw.ResponseType.WAF_FILTERED,
      statusCode: '429',
      responseHeaders: { 'Retry-After': `'${RATE_LIMIT_WINDOW_SECONDS}'` },
      templates: gatewayErrorTemplate('rate_limited', 'Too many requests for this merchant; retry after Retry-After seconds.', 'rate_limit'),
    });

    const acknowledge = (id: string, reason: string) => Validations.of(this.api).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-APIG4',
      'Merchants authenticate by signing every request (HMAC over method, path, timestamp, nonce, body); the handler verifies it against the KMS-sealed merchant secret, with replay protection. An authorizer would add a hop and a second source of truth. The operations API (/ops/v1) has the IAM authorizer.',
    );
    acknowledge('AwsSolutions-COG4', 'Merchants are servers, not Cognito users: requests carry merchant signatures (see APIG4).');
    acknowledge(
      'AwsSolutions-APIG2',
      "Requests are validated in the handlers against the contract's schemas (zod), which answer with the contract's error body naming the field; API Gateway validators cannot produce that shape.",
    );
    acknowledge(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-level logging role: the managed policy is the one AWS defines for that purpose.",
    );
    if (!props.webAclArn) {
      acknowledge('AwsSolutions-APIG3', 'WAF is optional (webAclArn prop): stage throttling and signed requests are the baseline; attach a web ACL where one is run.');
    }

    if (props.domain) {
      this.api.addDomainName('Domain', {
        domainName: props.domain.domainName,
        certificate: props.domain.certificate,
        endpointType: apigw.EndpointType.REGIONAL,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
    }
    if (props.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', {
        resourceArn: this.api.deploymentStage.stageArn,
        webAclArn: props.webAclArn,
      });
    }
  }
}
