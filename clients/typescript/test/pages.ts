// Checked by the compiler (tsc --noEmit, which tests/client runs), never run: every REST
// list's 200 body is a Page, whatever the domain, so one helper pages them all; and no
// GET answers a bare array. A list that breaks the rule is named in the compile error.
import type { Page, paths } from "../src/index.js";

// The JSON body of a path's GET 200 (`never` when it has none).
type Body<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer B } } } };
}
  ? B
  : never;
// `[Body<P>] extends [never]` first: `never` extends anything, which would count every path.
type Is<P extends keyof paths, Shape> = [Body<P>] extends [never]
  ? never
  : Body<P> extends Shape
    ? P
    : never;
type ListPath = { [P in keyof paths]: Is<P, { results: unknown }> }[keyof paths];
type BarePath = { [P in keyof paths]: Is<P, readonly unknown[]> }[keyof paths];
type NotAPage = { [P in ListPath]: Body<P> extends Page<unknown> ? never : P }[ListPath];

export const everyListIsAPage: [NotAPage] extends [never] ? true : NotAPage = true;
export const noGetAnswersABareArray: [BarePath] extends [never] ? true : BarePath = true;
// The tree and the genres are lists too (they were bare arrays).
export const treeAndGenres: ListPath[] = ["/api/v1/shop/categories/", "/api/v1/movies/genres/"];

/** Every item of a list, following `next` from its first page (any list: one helper). */
export async function* items<T>(first: Page<T>, get: (url: string) => Promise<Page<T>>) {
  for (let page: Page<T> | null = first; page; page = page.next ? await get(page.next) : null) {
    yield* page.results;
  }
}
