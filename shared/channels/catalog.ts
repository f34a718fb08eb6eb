import type { ChannelConfig } from '../domain/routing.js';
import { CHANNEL_REGISTRY } from './registry.js';

/**
 * The channels this deployment can route to, as data: each registry line's catalog row. Costs are what each channel
 * charges the platform; routing prefers the cheapest eligible, healthy one.
 */
export const CHANNEL_CATALOG: readonly ChannelConfig[] = CHANNEL_REGISTRY.map((line) => line.catalog);
