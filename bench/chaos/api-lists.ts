import type { ApiClient } from '../../test/support/api-client.js';

/** Every item of a merchant list (`?limit=100&cursor=…` pages until `nextCursor` is null), for the chaos checks. */
export async function readList<T>(api: ApiClient, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.get(`${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`listing ${path} failed: ${res.status} ${res.text}`);
    items.push(...(res.body.data as T[]));
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return items;
}
