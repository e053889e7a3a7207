// One paged connection of a loan (journal, repayments): "more" appends the next page, and the
// list reloads from the start when the loan or its version changes.
import { ref, watch, type Ref } from "vue";
import { gql } from "../../api/client";
import type { Page } from "./queries";

type Connection<T> = { totalCount: number; pageInfo: Page; edges: { node: T }[] };

export function useLoanPages<T>(query: string, field: string, props: { loanId: string; version: number }) {
  const rows = ref([]) as Ref<T[]>;
  const total = ref(0);
  const page = ref<Page>({ hasNextPage: false, endCursor: null });
  const loading = ref(true);
  const error = ref<string | null>(null);

  async function load(more = false): Promise<void> {
    error.value = null;
    try {
      const data = await gql<{ loan: Record<string, Connection<T>> | null }>(query, { id: props.loanId, after: more ? page.value.endCursor : null });
      const conn = data.loan?.[field];
      const nodes = conn?.edges.map((e) => e.node) ?? [];
      rows.value = more ? [...rows.value, ...nodes] : nodes;
      total.value = conn?.totalCount ?? 0;
      page.value = conn?.pageInfo ?? { hasNextPage: false, endCursor: null };
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      loading.value = false;
    }
  }
  watch(() => [props.loanId, props.version], () => load(false), { immediate: true });
  return { rows, total, page, loading, error, load };
}
