import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    // ?enterprise=<Enterprise id>&hops=2
    path: "/contagion",
    name: "contagion",
    component: () => import("./ContagionScreen.vue"),
    meta: { titleKey: "contagion.title", roles: ["LOAN_OFFICER", "RISK_MANAGER", "ADMIN"] },
  },
];

export default routes;
