import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    path: "/warnings",
    name: "warnings",
    component: () => import("./WarningsScreen.vue"),
    meta: { titleKey: "warnings.title", roles: ["LOAN_OFFICER", "RISK_MANAGER", "ADMIN"] },
  },
];

export default routes;
