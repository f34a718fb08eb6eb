/**
 * The CDK app: one PaymentPlatformStack per region listed in cdk.json's context (`regions`, optional `account`).
 * `npx cdk synth` needs no credentials: stacks are environment-agnostic on the account when none is given.
 * cdk-nag's AwsSolutions pack validates every stack at synth; unacknowledged findings fail the synth.
 */
import { App } from 'aws-cdk-lib';
import { buildPlatform } from './platform-app.js';

const app = new App();
buildPlatform(app);
app.synth();
