/** One page of a cursor-paginated list, as the API returns it. */
export interface Page<T> {
  readonly data: T[];
  /** Pass as `cursor` to get the next page; null (or absent) on the last page. */
  readonly nextCursor?: string | null;
}

/**
 * What a list method returns: await it for one page (`const { data, nextCursor } = await client.orders.list()`), or
 * iterate it for every item of every page, fetching the next page only when the loop gets there
 * (`for await (const order of client.orders.list({ status: 'SUCCEEDED' }))`). Breaking out of the loop stops the
 * fetching. The first page is fetched once, however it is used.
 */
export class PageList<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  private first: Promise<Page<T>> | undefined;

  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>, private readonly startCursor?: string) {}

  /** Makes the list awaitable: it resolves to the first page. */
  then<A = Page<T>, B = never>(
    onFulfilled?: ((page: Page<T>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.firstPage().then(onFulfilled, onRejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let page = await this.firstPage();
    for (;;) {
      yield* page.data;
      if (!page.nextCursor) return;
      page = await this.fetchPage(page.nextCursor);
    }
  }

  /** Every item of every page, stopping at `limit` items: a cap is required so a list never loads without bound. */
  async toArray(options: { readonly limit: number }): Promise<T[]> {
    const items: T[] = [];
    if (options.limit <= 0) return items;
    for await (const item of this) {
      items.push(item);
      if (items.length >= options.limit) break;
    }
    return items;
  }

  private firstPage(): Promise<Page<T>> {
    this.first ??= this.fetchPage(this.startCursor);
    return this.first;
  }
}
