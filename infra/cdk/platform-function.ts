import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundleAliases, bundleOptions } from '../definitions/bundling.js';

/** The project root: entries in the definitions are relative to it. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The newest Node.js runtime this aws-cdk-lib offers; bundleOptions.target matches it. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface PlatformFunctionProps {
  /** Handler module relative to the project root, e.g. `functions/pay.ts`; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Validated at init by shared/config.ts: a missing or malformed variable fails the cold start, loudly. */
  readonly environment?: Record<string, string>;
  /** Default 10 s (API Gateway gives up at 29 s). */
  readonly timeout?: Duration;
  /** Default 1024 MB: Lambda CPU scales with memory, and init time with CPU. */
  readonly memorySize?: number;
  /** Cap for functions whose runaway would hurt (a retry storm hammering merchants or channels). Default none. */
  readonly reservedConcurrentExecutions?: number;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Default RETAIN: logs of money movements outlive a stack. */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Every Lambda of the platform: ESM bundle built by the local esbuild (no Docker) with the options the bundle
 * benchmark measures, ARM64, X-Ray tracing, an explicit log group, JSON logs.
 */
export class PlatformFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // A role of its own with no managed policy: it may write to its own log group, and gets the rest by grants.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (Lambda execution role)`,
    });
    this.logGroup.grantWrite(this.role);
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      role: this.role,
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        minify: bundleOptions.minify,
        sourceMap: bundleOptions.sourcemap,
        target: bundleOptions.target,
        mainFields: [...bundleOptions.mainFields],
        banner: bundleOptions.banner,
        externalModules: [...bundleOptions.external],
        keepNames: bundleOptions.keepNames,
        esbuildArgs: { '--alias': Object.entries(bundleAliases()).map(([pkg, module]) => `${pkg}=${module}`) },
        forceDockerBundling: false,
      },
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
  }
}
