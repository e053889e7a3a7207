import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    path: "/models",
    name: "models",
    component: () => import("./ModelsScreen.vue"),
    meta: { titleKey: "models.title", roles: ["LOAN_OFFICER", "RISK_MANAGER", "ADMIN"], order: 60 },
  },
];

export default routes;
