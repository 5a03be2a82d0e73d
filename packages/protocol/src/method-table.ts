import { z } from 'zod';

/** A request method's schemas: what the caller sends and what the callee answers. */
export interface RequestSpec {
  readonly params: z.ZodType;
  readonly result: z.ZodType;
}

/** A notification method's schema. */
export interface NotificationSpec {
  readonly params: z.ZodType;
}

/** Method string → request schemas. Each protocol declares its tables `as const satisfies RequestTable`. */
export type RequestTable = Readonly<Record<string, RequestSpec>>;

/** Method string → notification schema. */
export type NotificationTable = Readonly<Record<string, NotificationSpec>>;

/** Either kind of table. */
export type MethodTable = RequestTable | NotificationTable;

/** The method strings of a table. */
export type MethodOf<T extends MethodTable> = Extract<keyof T, string>;

/** The params type of method `M` in table `T`. */
export type TableParams<T extends MethodTable, M extends MethodOf<T>> = z.infer<T[M]['params']>;

/** The result type of method `M` in request table `T`. */
export type TableResult<T extends RequestTable, M extends MethodOf<T>> = z.infer<T[M]['result']>;

/**
 * Params of a method that takes none. The original omits `params` for these; `null` and `{}`
 * are accepted too, since clients differ.
 */
export const NoParamsSchema = z.object({}).nullish();
/** Params of a method that takes none. */
export type NoParams = z.infer<typeof NoParamsSchema>;

/** Looks up a method in several tables at once; the first table that has it wins. */
export function findMethod<const Tables extends readonly MethodTable[]>(
  method: string,
  ...tables: Tables
): RequestSpec | NotificationSpec | undefined {
  for (const table of tables) {
    if (Object.hasOwn(table, method)) return table[method];
  }
  return undefined;
}
