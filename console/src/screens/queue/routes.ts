import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    path: "/queue",
    name: "queue",
    component: () => import("./QueueScreen.vue"),
    meta: { titleKey: "queue.title", roles: ["LOAN_OFFICER", "RISK_MANAGER"], order: 10 },
  },
];

export default routes;
